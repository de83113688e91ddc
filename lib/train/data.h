/* train/data.h — training examples from records, and their order in batches.
 *
 * A record becomes token ids plus a mask of the tokens the loss counts:
 *   chat/instruction records (messages with a last assistant turn, or
 *   instruction/input + output, or prompt + completion): the prompt is rendered
 *   with lib/model/chat exactly as ls-infer renders it, and only the answer
 *   (with <|im_end|> in the chat template, the model's EOS in the raw one) is
 *   counted: the model learns to answer, not to write prompts.
 *   text records ("text" or --text-field, nothing to answer): every token is
 *   counted, an EOS is appended, and a long text is cut into --seq-len chunks.
 * An example longer than seq_len is truncated (its answer's end is lost, and
 * it is counted) or refused, as the options say.
 *
 * Batches: each epoch shuffles the examples with (seed, epoch), then packs
 * them greedily into micro-batches of at most batch * seq_len tokens; an
 * example is never split, and each is its own attention segment with
 * positions from 0 (nn/backprop.h), so nothing is padded.
 */
#ifndef LS_TRAIN_DATA_H
#define LS_TRAIN_DATA_H
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include "model/chat.h"
#include "model/tokenizer.h"
#include "nn/backprop.h"

typedef struct {
	int32_t *ids;
	uint8_t *count;		/* count[t]: token t is predicted (from token t - 1) */
	int n;
} tr_example;

typedef struct {
	const tokenizer *tok;
	chat_template tpl;
	const char *input_field;	/* as ls-infer's --input-field */
	const char *output_field;	/* the answer (default: see above) */
	const char *text_field;		/* plain text (default "text") */
	const char *system;
	int no_think;
	int seq_len;
	int truncate;		/* 1: cut long examples; 0: refuse them */
	int eos_id;		/* appended to raw answers and texts; -1 none */
	int vocab_size;		/* the model's: ids at or above it are refused */
} tr_data_opts;

typedef struct {
	tr_example *ex;
	int n, cap;
	long tokens, counted;	/* all tokens, counted tokens */
	long truncated;		/* examples cut to seq_len */
} tr_data;

/* Add the examples of one record (a text may give several). 0, or -1 with a
 * message in err: the record is refused and nothing is added. */
int tr_data_add(tr_data *d, const tr_data_opts *o, jv rec, char *err, size_t errsz);
void tr_data_free(tr_data *d);

/* The micro-batches of one epoch: order[] is the shuffled example order and
 * mb[i]..mb[i+1]-1 the examples of micro-batch i. */
typedef struct {
	int *order;
	int *mb;
	int n_mb;
} tr_epoch;

void tr_epoch_plan(tr_epoch *e, const tr_data *d, uint64_t seed, int epoch, int shuffle,
		   int budget);
void tr_epoch_free(tr_epoch *e);

/* A micro-batch as the model takes it (buffers grow as needed). */
typedef struct {
	nn_batch b;
	int32_t *ids, *targets;
	int *pos, *seg;
	int cap, scap;
	long counted;
} tr_batch;

void tr_batch_fill(tr_batch *b, const tr_data *d, const int *idx, int n);
void tr_batch_free(tr_batch *b);

#endif
