/* train/trainer.h — a training run: model, data, loop, metrics, output.
 *
 *	tr_trainer *tr = tr_open(&opts, err, sizeof err);	// model, tokenizer, adapter
 *	tr_add(tr, rec, 0, err, sizeof err);			// each training record
 *	tr_run(tr, emit, ctx, err, sizeof err);			// steps; writes opts.out
 *	tr_close(tr);
 *
 * Three modes: LoRA on a frozen --base (the default), every weight of --base
 * (full), or every weight of a new model from an --init config. */
#ifndef LS_TRAIN_TRAINER_H
#define LS_TRAIN_TRAINER_H
#include <stdint.h>
#include <stdio.h>
#include <jv.h>

typedef struct {
	const char *base;	/* model directory to fine-tune */
	const char *init;	/* config.json of a new model to train from scratch */
	const char *tokenizer;	/* tokenizer.json (default: the base's) */
	const char *out;	/* adapter or model directory written at the end */
	const char *resume;	/* checkpoint or output directory to continue from */
	int full;		/* train every weight of base instead of an adapter */
	/* LoRA */
	unsigned targets;	/* bit (1 << nn_linear) per adapted linear */
	int lora_r;
	float lora_alpha, lora_dropout;
	int rslora;
	/* data */
	const char *template_name, *input_field, *output_field, *text_field, *system;
	int no_think, truncate, seq_len, batch, shuffle;
	/* optimisation */
	int epochs, max_steps, grad_accum, warmup;
	float lr, min_lr, wd, b1, b2, eps, clip, init_std;
	int val_every, ckpt_every;
	int threads;
	uint64_t seed;
	int progress;
} tr_opts;

typedef struct tr_trainer tr_trainer;

tr_trainer *tr_open(const tr_opts *o, char *err, size_t errsz);
/* One record for the training set (val 0) or the validation set (val 1); not
 * consumed. -1 with a message when the record is refused. */
int tr_add(tr_trainer *t, jv rec, int val, char *err, size_t errsz);
/* Train, calling emit with each step's metrics (consumed); write o->out.
 * 0, or -1 with a message (and the last checkpoint left to --resume from). */
int tr_run(tr_trainer *t, void (*emit)(void *ctx, jv metrics), void *ctx, char *err, size_t errsz);
/* ", 1234 tokens, 3 truncated" for the summary line */
void tr_summary(FILE *f, void *t);
void tr_close(tr_trainer *t);

/* --targets: "q,k,v,o" or "all"; -1 on an unknown name */
int tr_parse_targets(const char *s, unsigned *out);

#endif
