/* train/ckpt.h — checkpoints a run can be resumed from, bit for bit.
 *
 * OUT/checkpoint-STEP/ holds the trained weights (a PEFT adapter, or a whole
 * model directory when every weight is trained, both in F32 so a reload is
 * exact), optimizer.safetensors (AdamW's exp_avg and exp_avg_sq) and
 * trainer.json (step, epoch and micro-batch position, seed, and the run's
 * fingerprint: model config, LoRA settings, batch shape, data size). It is
 * written under a temporary name and renamed into place; then OUT/latest (a
 * file naming it) is replaced by rename, and the previous checkpoint removed.
 * A run killed at any moment leaves OUT/latest naming a complete checkpoint.
 * All other randomness (shuffles, dropout masks) is a function of the seed,
 * the epoch and the step, so nothing more is needed to continue identically. */
#ifndef LS_TRAIN_CKPT_H
#define LS_TRAIN_CKPT_H
#include "nn/lora.h"
#include "train/optim.h"

typedef struct {
	int step;		/* optimizer steps done */
	int epoch;		/* the epoch and micro-batch the next step starts at */
	int micro;
	double tokens;		/* tokens trained on so far */
} tr_pos;

/* a: the adapter when training LoRA, NULL when training m itself */
int tr_ckpt_save(const char *out, const nn_model *m, const nn_lora *a, const tr_optim *o,
		 const tr_pos *pos, const char *fingerprint, char *err, size_t errsz);
/* dir: a checkpoint, or an output directory with a latest file. Refuses a
 * checkpoint whose fingerprint differs, naming the first difference. */
int tr_ckpt_load(const char *dir, nn_model *m, nn_lora *a, tr_optim *o, tr_pos *pos,
		 const char *fingerprint, char *err, size_t errsz);

#endif
