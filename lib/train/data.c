/* train/data.c — records -> examples -> micro-batches (see data.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/util.h"
#include "rec/record.h"
#include "train/data.h"

static void push(tr_data *d, int32_t *ids, uint8_t *count, int n)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->ex = realloc(d->ex, d->cap * sizeof *d->ex);
	}
	d->ex[d->n++] = (tr_example){ ids, count, n };
	d->tokens += n;
	for (int i = 1; i < n; i++)
		d->counted += count[i];
}

/* The answer of a chat/instruction record, or NULL (borrowed from rec). */
static const char *answer_of(jv rec, const char *field, jv *keep)
{
	if (field) {
		*keep = rec_path(rec, field);
		return jv_get_kind(*keep) == JV_KIND_STRING ? jv_string_value(*keep) : NULL;
	}
	*keep = jv_object_get(jv_copy(rec), jv_string("messages"));
	if (jv_get_kind(*keep) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(*keep));
		jv last = jv_array_get(jv_copy(*keep), n - 1);
		const char *role = n > 1 && jv_get_kind(last) == JV_KIND_OBJECT ? rec_str(last, "role") : NULL;
		jv_free(*keep);
		*keep = last;
		return role && !strcmp(role, "assistant") ? rec_str(last, "content") : NULL;
	}
	static const char *const names[] = { "output", "completion", "response" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (rec_str(rec, names[i]))
			return rec_str(rec, names[i]);
	return NULL;
}

static int check_ids(const tr_data_opts *o, const int32_t *ids, long n, char *err, size_t errsz)
{
	for (long i = 0; i < n; i++)
		if (ids[i] >= o->vocab_size)
			return nn_err(err, errsz, "token id %d is outside the model's vocab_size %d "
				      "(tokenizer and model do not match)", ids[i], o->vocab_size);
	return 0;
}

/* plain text: every token counted, EOS appended, chunks of seq_len */
static int add_text(tr_data *d, const tr_data_opts *o, const char *text, size_t len, char *err,
		    size_t errsz)
{
	int32_t *ids = NULL;
	long n = tok_encode(o->tok, text, len, 0, &ids);
	if (n < 0)
		return nn_err(err, errsz, "text is not valid UTF-8");
	if (check_ids(o, ids, n, err, errsz)) {
		free(ids);
		return -1;
	}
	if (o->eos_id >= 0) {
		ids = realloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = o->eos_id;
	}
	if (n < 2) {
		free(ids);
		return nn_err(err, errsz, "text too short to train on (%ld tokens)", n);
	}
	for (long a = 0; a + 1 < n; a += o->seq_len) {
		int k = n - a < o->seq_len ? (int)(n - a) : o->seq_len;
		if (k < 2)
			break;
		int32_t *c = malloc(k * sizeof *c);
		uint8_t *m = malloc(k);
		memcpy(c, ids + a, k * sizeof *c);
		memset(m, 1, k);
		m[0] = 0;
		push(d, c, m, k);
	}
	free(ids);
	return 0;
}

int tr_data_add(tr_data *d, const tr_data_opts *o, jv rec, char *err, size_t errsz)
{
	jv keep = jv_invalid();
	const char *answer = answer_of(rec, o->output_field, &keep);
	if (!answer) {
		jv_free(keep);
		const char *tf = o->text_field ? o->text_field : "text";
		jv t = rec_path(rec, tf);
		int rc;
		if (jv_get_kind(t) == JV_KIND_STRING)
			rc = add_text(d, o, jv_string_value(t), jv_string_length_bytes(jv_copy(t)), err, errsz);
		else
			rc = nn_err(err, errsz, "nothing to train on: no answer (a last assistant message, "
				    "'output', 'completion', 'response'%s%s) and no '%s' text",
				    o->output_field ? " or " : "", o->output_field ? o->output_field : "", tf);
		jv_free(t);
		return rc;
	}
	chat_msg *m;
	int nm = chat_messages(rec, o->input_field, o->system, &m, err, errsz);
	if (nm < 0) {
		jv_free(keep);
		return -1;
	}
	char *prompt = chat_render(o->tpl, m, nm, o->no_think);
	chat_free(m, nm);
	char *full = NULL;
	if (asprintf(&full, "%s%s", answer, o->tpl == CHAT_CHATML ? "<|im_end|>" : "") < 0)
		full = NULL;
	jv_free(keep);
	int32_t *p = NULL, *a = NULL;
	/* the prompt as ls-infer encodes it; the answer on its own, as generated */
	long np = tok_encode(o->tok, prompt, strlen(prompt), o->tpl == CHAT_RAW, &p);
	long na = full ? tok_encode(o->tok, full, strlen(full), 0, &a) : -1;
	free(prompt);
	free(full);
	int rc = 0;
	if (np < 0 || na < 0)
		rc = nn_err(err, errsz, "prompt or answer is not valid UTF-8");
	else if (!rc && (check_ids(o, p, np, err, errsz) || check_ids(o, a, na, err, errsz)))
		rc = -1;
	else if (o->tpl == CHAT_RAW && o->eos_id >= 0) {
		a = realloc(a, (na + 1) * sizeof *a);
		a[na++] = o->eos_id;
	}
	if (!rc && na == 0)
		rc = nn_err(err, errsz, "empty answer");
	long n = np + na;
	if (!rc && n > o->seq_len && (!o->truncate || np >= o->seq_len))
		rc = nn_err(err, errsz, "%ld tokens, longer than --seq-len %d%s", n, o->seq_len,
			    o->truncate ? " with the prompt alone" : " (--truncate cuts such examples)");
	if (rc) {
		free(p), free(a);
		return -1;
	}
	if (n > o->seq_len) {
		d->truncated++;
		n = o->seq_len;
	}
	int32_t *ids = malloc(n * sizeof *ids);
	uint8_t *cnt = malloc(n);
	memcpy(ids, p, np * sizeof *ids);
	memcpy(ids + np, a, (n - np) * sizeof *ids);
	memset(cnt, 0, np);
	memset(cnt + np, 1, n - np);
	free(p), free(a);
	push(d, ids, cnt, (int)n);
	return 0;
}

void tr_data_free(tr_data *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->ex[i].ids), free(d->ex[i].count);
	free(d->ex);
	memset(d, 0, sizeof *d);
}

void tr_epoch_plan(tr_epoch *e, const tr_data *d, uint64_t seed, int epoch, int shuffle, int budget)
{
	e->order = malloc((d->n + 1) * sizeof *e->order);
	e->mb = malloc((d->n + 2) * sizeof *e->mb);
	for (int i = 0; i < d->n; i++)
		e->order[i] = i;
	if (shuffle) {	/* Fisher-Yates from (seed, epoch): the same order on resume */
		nn_rng r;
		nn_rng_seed(&r, seed * 1000003u + (uint64_t)epoch);
		for (int i = d->n - 1; i > 0; i--) {
			int j = (int)(nn_rng_next(&r) % (uint64_t)(i + 1)), t = e->order[i];
			e->order[i] = e->order[j];
			e->order[j] = t;
		}
	}
	e->n_mb = 0;
	int used = 0;
	for (int i = 0; i < d->n; i++) {
		int n = d->ex[e->order[i]].n;
		if (i == 0 || used + n > budget) {
			e->mb[e->n_mb++] = i;
			used = 0;
		}
		used += n;
	}
	e->mb[e->n_mb] = d->n;
}

void tr_epoch_free(tr_epoch *e)
{
	free(e->order);
	free(e->mb);
	memset(e, 0, sizeof *e);
}

void tr_batch_fill(tr_batch *b, const tr_data *d, const int *idx, int n)
{
	int N = 0;
	for (int i = 0; i < n; i++)
		N += d->ex[idx[i]].n;
	if (N > b->cap) {
		b->cap = N;
		b->ids = realloc(b->ids, N * sizeof *b->ids);
		b->targets = realloc(b->targets, N * sizeof *b->targets);
		b->pos = realloc(b->pos, N * sizeof *b->pos);
	}
	if (n + 1 > b->scap) {
		b->scap = n + 1;
		b->seg = realloc(b->seg, (n + 1) * sizeof *b->seg);
	}
	int t = 0;
	b->counted = 0;
	for (int i = 0; i < n; i++) {
		const tr_example *x = &d->ex[idx[i]];
		b->seg[i] = t;
		for (int j = 0; j < x->n; j++, t++) {
			b->ids[t] = x->ids[j];
			b->pos[t] = j;
			b->targets[t] = j + 1 < x->n && x->count[j + 1] ? x->ids[j + 1] : -1;
			b->counted += b->targets[t] >= 0;
		}
	}
	b->seg[n] = N;
	b->b = (nn_batch){ .N = N, .ids = b->ids, .targets = b->targets, .pos = b->pos,
			   .nseg = n, .seg = b->seg };
}

void tr_batch_free(tr_batch *b)
{
	free(b->ids), free(b->targets), free(b->pos), free(b->seg);
	memset(b, 0, sizeof *b);
}
