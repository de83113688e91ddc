/* nn/generate.c — prefill, decode, stop (see generate.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/generate.h"
#include "nn/util.h"

void nn_gen_out_free(nn_gen_out *out)
{
	free(out->ids);
	free(out->text);
	memset(out, 0, sizeof *out);
}

/* The first stop string in text: its offset, or -1. */
static long find_stop(const char *text, const nn_gen_opts *o)
{
	long best = -1;
	for (int i = 0; i < o->n_stop; i++) {
		if (!o->stop[i][0])
			continue;
		const char *p = strstr(text, o->stop[i]);
		if (p && (best < 0 || p - text < best))
			best = p - text;
	}
	return best;
}

static int is_eos(const nn_gen_opts *o, int id)
{
	for (int i = 0; i < o->n_eos; i++)
		if (o->eos[i] == id)
			return 1;
	return 0;
}

int nn_generate(const nn_model *m, nn_state *s, nn_sampler *smp, const int32_t *prompt, int np,
		const nn_gen_opts *o, nn_gen_out *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof *out);
	out->finish = "length";
	nn_state_reset(s);
	if (np <= 0)
		return nn_err(err, errsz, "empty prompt");
	if (np >= m->c.max_seq)
		return nn_err(err, errsz, "prompt of %d tokens does not fit the model's context (%d)",
			      np, m->c.max_seq);
	int budget = o->max_tokens;
	if (budget > m->c.max_seq - np)
		budget = m->c.max_seq - np;
	int V = m->c.vocab_size;
	float *logits = malloc(sizeof(float) * V);
	/* embedding rows past the tokenizer's last id (Qwen3 pads 151,669 to
	 * 151,936) have no text: never sample them */
	int Vs = o->tok && tok_vocab_size(o->tok) < (size_t)V ? (int)tok_vocab_size(o->tok) : V;
	out->ids = malloc(sizeof(int32_t) * (budget + 1));
	int rc = nn_forward(m, s, prompt, np, logits, 0, err, errsz);	/* prefill: one pass */
	long cut = -1;
	while (rc == 0 && out->n < budget) {
		if (o->cons) {	/* only what keeps the output a valid prefix */
			int complete;
			const uint64_t *allowed = o->cons->allowed(o->cons->ctx, budget - out->n, &complete);
			if (!allowed) {
				rc = nn_err(err, errsz, "the grammar failed (too ambiguous?)");
				break;
			}
			if (!nn_mask_logits(logits, Vs, allowed, o->eos, complete ? o->n_eos : 0)) {
				if (complete) {	/* nothing can follow: a forced end */
					out->finish = "stop";
					break;
				}
				rc = nn_err(err, errsz, "no token of the vocabulary can continue the output");
				break;
			}
		}
		int32_t id = nn_sample(smp, logits, Vs);
		if (is_eos(o, id)) {
			out->finish = "stop";
			break;
		}
		if (o->cons && o->cons->accept(o->cons->ctx, id) < 0) {
			rc = nn_err(err, errsz, "token %d does not continue the output", id);
			break;
		}
		out->ids[out->n++] = id;
		if (o->tok && o->n_stop) {
			char *text = tok_decode(o->tok, out->ids, out->n, 1, NULL);
			cut = text ? find_stop(text, o) : -1;
			free(text);
			if (cut >= 0) {
				out->finish = "stop";
				break;
			}
		}
		if (out->n < budget)
			rc = nn_forward(m, s, &id, 1, logits, 0, err, errsz);
	}
	free(logits);
	if (rc == 0 && o->tok) {
		out->text = tok_decode(o->tok, out->ids, out->n, 1, NULL);
		if (!out->text)
			rc = nn_err(err, errsz, "cannot decode the completion");
		else if (cut >= 0 || (cut = find_stop(out->text, o)) >= 0)
			out->text[cut] = 0;
	}
	if (rc)
		nn_gen_out_free(out);
	return rc;
}
