/* train/trainer.c — the training run (see trainer.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/clock.h"
#include "model/safetensors.h"
#include "nn/backprop.h"
#include "nn/util.h"
#include "rec/progress.h"
#include "train/ckpt.h"
#include "train/data.h"
#include "train/optim.h"
#include "train/trainer.h"

struct tr_trainer {
	tr_opts o;
	tokenizer *tok;
	nn_model *m;
	nn_lora *a;		/* NULL when every weight is trained */
	float *g;		/* gradient of the trained buffer */
	tr_optim opt;
	tr_data_opts dopt;
	tr_data train, val;
	char tok_path[4096];
};

int tr_parse_targets(const char *s, unsigned *out)
{
	if (!strcmp(s, "all") || !strcmp(s, "all-linear")) {
		*out = (1u << NN_NLIN) - 1;
		return 0;
	}
	*out = 0;
	char *dup = strdup(s), *save = NULL;
	int rc = 0;
	for (char *w = strtok_r(dup, ",", &save); w && !rc; w = strtok_r(NULL, ",", &save)) {
		int k;
		size_t n = strlen(w);
		for (k = 0; k < NN_NLIN; k++) {	/* "q" or "q_proj" */
			const char *name = nn_linear_names[k];
			if (!strcmp(w, name) || (!strncmp(w, name, n) && !strcmp(name + n, "_proj")))
				break;
		}
		if (k == NN_NLIN)
			rc = -1;
		else
			*out |= 1u << k;
	}
	free(dup);
	return rc || !*out ? -1 : 0;
}

/* A new model for --init: weights ~ N(0, std^2), norm weights exactly 1. */
static nn_model *new_model(const tr_opts *o, char *err, size_t errsz)
{
	size_t len;
	char *text = nn_slurp(o->init, &len);
	if (!text) {
		nn_err(err, errsz, "cannot read '%s'", o->init);
		return NULL;
	}
	nn_config c;
	int rc = nn_config_parse(&c, text, len, err, errsz);
	free(text);
	nn_model *m = rc ? NULL : nn_model_new(&c, &nn_cpu_ops, err, errsz);
	if (!m)
		return NULL;
	nn_model_init_random(m, o->seed, o->init_std);
	int n;
	nn_tensor *t = nn_model_tensors(m, &n);
	float *h = malloc(m->n_params * sizeof(float));
	m->ops->download(h, m->params, m->n_params * sizeof(float));
	for (int i = 0; i < n; i++)
		if (t[i].ndim == 1)
			for (int64_t j = 0; j < t[i].shape[0]; j++)
				h[t[i].data - m->params + j] = 1;
	m->ops->upload(m->params, h, m->n_params * sizeof(float));
	free(h);
	free(t);
	return m;
}

tr_trainer *tr_open(const tr_opts *o, char *err, size_t errsz)
{
	tr_trainer *t = calloc(1, sizeof *t);
	t->o = *o;
	nn_cpu_ops.set_threads(o->threads);
	if (o->tokenizer)
		snprintf(t->tok_path, sizeof t->tok_path, "%s", o->tokenizer);
	else if (o->base)
		snprintf(t->tok_path, sizeof t->tok_path, "%s/tokenizer.json", o->base);
	else {
		nn_err(err, errsz, "--init needs --tokenizer");
		goto fail;
	}
	if (!(t->tok = tok_load(t->tok_path, err, errsz)))
		goto fail;
	t->m = o->init ? new_model(o, err, errsz) : nn_model_load(o->base, &nn_cpu_ops, err, errsz);
	if (!t->m)
		goto fail;
	const nn_config *c = &t->m->c;
	if ((size_t)c->vocab_size < tok_vocab_size(t->tok)) {
		nn_err(err, errsz, "tokenizer and model do not match: '%s' has %zu tokens, the model's "
		       "vocab_size is %d", t->tok_path, tok_vocab_size(t->tok), c->vocab_size);
		goto fail;
	}
	float *p;
	size_t n;
	if (o->base && !o->full) {
		t->a = nn_lora_new(t->m, o->lora_r, o->lora_alpha, o->rslora, o->targets, o->seed, 0);
		if (!t->a) {
			nn_err(err, errsz, "out of memory for the adapter");
			goto fail;
		}
		p = t->a->params, n = t->a->n_params;
	} else
		p = t->m->params, n = t->m->n_params;
	tr_optim_opts oo = { .lr = o->lr, .min_lr = o->min_lr, .warmup = o->warmup, .b1 = o->b1,
			     .b2 = o->b2, .eps = o->eps, .wd = o->wd, .clip = o->clip };
	if (!(t->g = t->m->ops->alloc(n * sizeof(float))) || tr_optim_init(&t->opt, &oo, t->m->ops, p, t->g, n)) {
		nn_err(err, errsz, "out of memory for gradients and optimizer state (%zu parameters)", n);
		goto fail;
	}
	if (t->a) {	/* the adapter's A and B matrices */
		for (int i = 0; i < c->n_layers * NN_NLIN; i++) {
			const nn_lora_mod *x = &t->a->mods[i];
			int out, in;
			nn_linear_shape(c, i % NN_NLIN, &out, &in);
			if (x->A)
				tr_optim_range(&t->opt, x->A - p, (size_t)x->r * in, 1),
				tr_optim_range(&t->opt, x->B - p, (size_t)out * x->r, 1);
		}
	} else {	/* every tensor; decay on matrices only */
		int nt;
		nn_tensor *tt = nn_model_tensors(t->m, &nt);
		for (int i = 0; i < nt; i++)
			tr_optim_range(&t->opt, tt[i].data - p, tt[i].shape[0] * (tt[i].ndim > 1 ? tt[i].shape[1] : 1),
				       tt[i].ndim > 1);
		free(tt);
	}
	int has_chatml = tok_token_id(t->tok, "<|im_start|>") >= 0;
	int tpl = o->template_name ? chat_template_parse(o->template_name) : has_chatml ? CHAT_CHATML : CHAT_RAW;
	if (tpl < 0) {
		nn_err(err, errsz, "unknown template '%s' (chatml or raw)", o->template_name);
		goto fail;
	}
	int eos = c->n_eos ? c->eos_ids[0] : tok_token_id(t->tok, "<|endoftext|>");
	t->dopt = (tr_data_opts){ .tok = t->tok, .tpl = tpl, .input_field = o->input_field,
				  .output_field = o->output_field, .text_field = o->text_field,
				  .system = o->system, .no_think = o->no_think, .seq_len = o->seq_len,
				  .truncate = o->truncate, .eos_id = eos, .vocab_size = c->vocab_size };
	return t;
fail:
	tr_close(t);
	return NULL;
}

void tr_close(tr_trainer *t)
{
	if (!t)
		return;
	tr_optim_free(&t->opt);
	if (t->g)
		t->m->ops->free(t->g);
	nn_lora_free(t->a);
	nn_model_free(t->m);
	tok_free(t->tok);
	tr_data_free(&t->train);
	tr_data_free(&t->val);
	free(t);
}

int tr_add(tr_trainer *t, jv rec, int val, char *err, size_t errsz)
{
	return tr_data_add(val ? &t->val : &t->train, &t->dopt, rec, err, errsz);
}

void tr_summary(FILE *f, void *vt)
{
	tr_trainer *t = vt;
	fprintf(f, ", %d examples, %ld tokens (%ld in the loss), %ld truncated", t->train.n,
		t->train.tokens, t->train.counted, t->train.truncated);
	if (t->val.n)
		fprintf(f, ", %d validation examples", t->val.n);
}

/* What a checkpoint must share with the run that resumes it. */
static char *fingerprint(const tr_trainer *t)
{
	const tr_opts *o = &t->o;
	char *cfg = nn_config_json(&t->m->c);
	jv lora = jv_null();
	if (t->a)
		lora = JV_OBJECT(jv_string("r"), jv_number(o->lora_r), jv_string("alpha"), jv_number(o->lora_alpha),
				 jv_string("dropout"), jv_number(o->lora_dropout), jv_string("rslora"),
				 jv_bool(o->rslora), jv_string("targets"), jv_number(o->targets));
	jv f = JV_OBJECT(jv_string("model"), jv_parse(cfg), jv_string("mode"),
			 jv_string(t->a ? "lora" : o->init ? "init" : "full"), jv_string("lora"), lora,
			 jv_string("seq_len"), jv_number(o->seq_len), jv_string("batch"), jv_number(o->batch),
			 jv_string("grad_accum"), jv_number(o->grad_accum), jv_string("seed"),
			 jv_number((double)o->seed), jv_string("examples"), jv_number(t->train.n),
			 jv_string("tokens"), jv_number(t->train.tokens));
	free(cfg);
	jv s = jv_dump_string(f, JV_PRINT_SORTED);
	char *r = strdup(jv_string_value(s));
	jv_free(s);
	return r;
}

/* counted targets of examples order[a..b) */
static long counted(const tr_data *d, const int *order, int a, int b)
{
	long n = 0;
	for (int i = a; i < b; i++) {
		const tr_example *x = &d->ex[order[i]];
		for (int j = 1; j < x->n; j++)
			n += x->count[j];
	}
	return n;
}

static double validate(tr_trainer *t, nn_acts *s, tr_batch *b)
{
	tr_epoch e;
	tr_epoch_plan(&e, &t->val, 0, 0, 0, t->o.batch * t->o.seq_len);
	double sum = 0;
	long n = 0;
	nn_reg none = { 0, 0 };
	for (int i = 0; i < e.n_mb; i++) {
		tr_batch_fill(b, &t->val, e.order + e.mb[i], e.mb[i + 1] - e.mb[i]);
		sum += nn_train_forward(t->m, t->a, s, &b->b, 0, &none);
		n += b->counted;
	}
	tr_epoch_free(&e);
	return n ? sum / n : NAN;
}

static int write_output(tr_trainer *t, char *err, size_t errsz)
{
	const tr_opts *o = &t->o;
	if (t->a)
		return nn_lora_save(t->m, t->a, o->out, o->base, err, errsz);
	if (nn_model_save(t->m, o->out, ST_F32, 0, err, errsz))
		return -1;
	char path[4200];
	size_t len;
	char *tj = nn_slurp(t->tok_path, &len);
	snprintf(path, sizeof path, "%s/tokenizer.json", o->out);
	FILE *f = tj ? fopen(path, "wb") : NULL;
	int bad = !f || fwrite(tj, 1, len, f) != len;
	if (f && fclose(f))
		bad = 1;
	free(tj);
	if (bad)
		return nn_err(err, errsz, "cannot write '%s'", path);
	const nn_config *c = &t->m->c;
	snprintf(path, sizeof path, "%s/generation_config.json", o->out);
	f = fopen(path, "w");
	if (!f)
		return nn_err(err, errsz, "cannot write '%s'", path);
	fprintf(f, "{\n  \"bos_token_id\": %d,\n  \"eos_token_id\": %d\n}\n", c->bos_id,
		c->n_eos ? c->eos_ids[0] : t->dopt.eos_id);
	return fclose(f) ? nn_err(err, errsz, "cannot write '%s'", path) : 0;
}

int tr_run(tr_trainer *t, void (*emit)(void *ctx, jv metrics), void *ctx, char *err, size_t errsz)
{
	const tr_opts *o = &t->o;
	if (!t->train.n)
		return nn_err(err, errsz, "no training examples");
	int budget = o->batch * o->seq_len;
	tr_epoch e;
	tr_epoch_plan(&e, &t->train, o->seed, 0, o->shuffle, budget);
	int per_epoch = (e.n_mb + o->grad_accum - 1) / o->grad_accum;
	int total = o->max_steps > 0 ? o->max_steps : o->epochs * per_epoch;
	t->opt.o.total = total;
	char *fp = fingerprint(t);
	tr_pos pos = { 0, 0, 0, 0 };
	if (o->resume && tr_ckpt_load(o->resume, t->m, t->a, &t->opt, &pos, fp, err, errsz)) {
		free(fp);
		tr_epoch_free(&e);
		return -1;
	}
	if (pos.epoch) {
		tr_epoch_free(&e);
		tr_epoch_plan(&e, &t->train, o->seed, pos.epoch, o->shuffle, budget);
	}
	nn_acts *s = nn_acts_new(t->m, t->a, budget);
	if (!s) {
		free(fp);
		tr_epoch_free(&e);
		return nn_err(err, errsz, "out of memory for the activations of %d tokens (%.1f GB)", budget,
			      nn_acts_bytes(t->m, t->a, budget) / 1e9);
	}
	tr_batch b = { 0 };
	progress *bar = progress_start("training", o->progress);
	int rc = 0;
	double t0 = ls_now();
	while (pos.step < total && !rc) {
		if (pos.micro >= e.n_mb) {	/* next epoch, its own shuffle */
			tr_epoch_free(&e);
			tr_epoch_plan(&e, &t->train, o->seed, ++pos.epoch, o->shuffle, budget);
			pos.micro = 0;
		}
		double ts = ls_now();
		int k = e.n_mb - pos.micro < o->grad_accum ? e.n_mb - pos.micro : o->grad_accum;
		long cnt = counted(&t->train, e.order, e.mb[pos.micro], e.mb[pos.micro + k]);
		double sum = 0;
		long tokens = 0;
		for (int j = 0; j < k; j++) {
			int mb = pos.micro + j;
			tr_batch_fill(&b, &t->train, e.order + e.mb[mb], e.mb[mb + 1] - e.mb[mb]);
			nn_reg reg = { o->lora_dropout, o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)pos.step * 4096 + j };
			sum += nn_train_forward(t->m, t->a, s, &b.b, 1.0f / cnt, &reg);
			nn_train_backward(t->m, t->a, s, &b.b, t->a ? NULL : t->g, t->a ? t->g : NULL, &reg);
			tokens += b.b.N;
		}
		float lr;
		double norm = tr_optim_step(&t->opt, &lr);
		pos.step++;
		pos.micro += k;
		pos.tokens += tokens;
		double loss = sum / cnt, dt = ls_now() - ts;
		if (!isfinite(loss) || !isfinite(norm))
			rc = nn_err(err, errsz, "step %d: loss %g, gradient norm %g: diverged (lower --lr?)",
				    pos.step, loss, norm);
		jv mt = JV_OBJECT(jv_string("step"), jv_number(pos.step), jv_string("epoch"),
				  jv_number(round((pos.epoch + (double)pos.micro / e.n_mb) * 1e4) / 1e4),
				  jv_string("loss"), jv_number(loss), jv_string("lr"), jv_number(lr),
				  jv_string("grad_norm"), jv_number(norm), jv_string("tokens"), jv_number(tokens),
				  jv_string("tokens_per_s"), jv_number(round(tokens / dt)));
		if (t->val.n && ((o->val_every > 0 && pos.step % o->val_every == 0) || pos.step == total))
			mt = jv_object_set(mt, jv_string("val_loss"), jv_number(validate(t, s, &b)));
		mt = jv_object_set(mt, jv_string("elapsed_s"), jv_number(round((ls_now() - t0) * 100) / 100));
		emit(ctx, mt);
		progress_update(bar, pos.step, pos.step, total);
		/* the last step too, so that a later run can go on with more steps */
		if (!rc && o->ckpt_every > 0 && (pos.step % o->ckpt_every == 0 || pos.step == total))
			rc = tr_ckpt_save(o->out, t->m, t->a, &t->opt, &pos, fp, err, errsz);
	}
	progress_end(bar);
	if (!rc)
		rc = write_output(t, err, errsz);
	tr_batch_free(&b);
	nn_acts_free(t->m, s);
	tr_epoch_free(&e);
	free(fp);
	return rc;
}
