/* nn/generate.h — a completion: prefill the prompt in one batched pass, then
 * decode one token at a time with the KV cache until an end-of-sequence id,
 * a stop string or the token budget. */
#ifndef LS_NN_GENERATE_H
#define LS_NN_GENERATE_H
#include <stdint.h>
#include "model/tokenizer.h"
#include "nn/model.h"
#include "nn/sample.h"

/* Constrained decoding: before each token, given the tokens left in the
 * budget, the ids that may come next (a bitset over the tokenizer's ids)
 * and whether the output may end there (then the EOS ids are allowed too;
 * when nothing else is, the completion ends); after it, the id chosen.
 * grammar/constrain.h implements it. */
typedef struct {
	void *ctx;
	const uint64_t *(*allowed)(void *ctx, int left, int *complete);	/* NULL: failed */
	int (*accept)(void *ctx, int32_t id);			/* -1: id may not come next */
} nn_constraint;

typedef struct {
	int max_tokens;
	const int32_t *eos;		/* ids that end the completion (not part of it) */
	int n_eos;
	const char *const *stop;	/* strings that end it (cut from the text) */
	int n_stop;
	const tokenizer *tok;		/* for text and stop strings; NULL: ids only */
	const nn_constraint *cons;	/* NULL: unconstrained */
} nn_gen_opts;

typedef struct {
	int32_t *ids;		/* generated ids (malloc'd), without the EOS */
	int n;
	char *text;		/* decoded, special tokens skipped, cut at a stop string; NULL without tok */
	const char *finish;	/* "stop" (EOS or stop string) or "length" */
} nn_gen_out;

/* s is reset first. Returns 0, or -1 with err set. */
int nn_generate(const nn_model *m, nn_state *s, nn_sampler *smp, const int32_t *prompt, int np,
		const nn_gen_opts *o, nn_gen_out *out, char *err, size_t errsz);
void nn_gen_out_free(nn_gen_out *out);

#endif
