/* infer.c — completions, tokens and text for ls-infer's records (see infer.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "grammar/constrain.h"
#include "model/chat.h"
#include "model/endpoint.h"
#include "base/hash.h"
#include "model/infer.h"
#include "rec/record.h"
#include "model/tokenizer.h"
#include "rec/tool.h"
#include "nn/generate.h"
#include "nn/lora.h"
#include "nn/model.h"
#include "nn/sample.h"
#include "base/clock.h"

#define MAX_STOP_IDS (NN_MAX_EOS + 4)

struct infer {
	infer_opts o;
	nn_model *m;
	nn_lora *lora;
	tokenizer *tok;
	chat_template tpl;
	int32_t eos[MAX_STOP_IDS];
	int n_eos;
	char *model_name, *adapter_name;
	gc *gc;				/* grammars, with a grammar option */
};

typedef struct {
	const nn_model *m;
	nn_state *s;	/* KV cache and activations */
	ep_client *ep;
} worker;

/* "models/tiny/" -> "tiny" */
static char *base_name(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t b = n;
	while (b > 0 && path[b - 1] != '/')
		b--;
	return strndup(path + b, n - b);
}

static void add_eos(infer *in, int32_t id)
{
	for (int i = 0; i < in->n_eos; i++)
		if (in->eos[i] == id)
			return;
	if (id >= 0 && in->n_eos < MAX_STOP_IDS)
		in->eos[in->n_eos++] = id;
}

/* The grammars: compiled for tok's vocabulary, or (NULL) for checking text. */
static int open_grammar(infer *in, const tokenizer *tok, char *err, size_t errsz)
{
	in->gc = gc_new(tok);
	const char *path = in->o.json_schema ? in->o.json_schema : in->o.grammar;
	if (path && gc_set_file(in->gc, path, !in->o.json_schema, err, errsz))
		return -1;
	return 0;
}

infer *infer_open(const infer_opts *o, char *err, size_t errsz)
{
	infer *in = calloc(1, sizeof *in);
	in->o = *o;
	in->model_name = o->model ? (o->endpoint ? strdup(o->model) : base_name(o->model)) : NULL;
	in->adapter_name = o->adapter ? base_name(o->adapter) : NULL;
	if (o->validate_field)
		return open_grammar(in, NULL, err, errsz) ? infer_close(in), NULL : in;
	if (o->endpoint)
		return in;	/* the server has the model and the tokenizer */
	char path[4096];
	const char *tp = o->tokenizer;
	if (!tp && o->model) {
		snprintf(path, sizeof path, "%s/tokenizer.json", o->model);
		tp = path;
	}
	if (!tp) {
		snprintf(err, errsz, "--model or --tokenizer is required");
		goto fail;
	}
	if (!(in->tok = tok_load(tp, err, errsz)))
		goto fail;
	int has_chatml = tok_token_id(in->tok, "<|im_start|>") >= 0;
	if (o->template_name && chat_template_parse(o->template_name) < 0) {
		snprintf(err, errsz, "unknown template '%s' (chatml or raw)", o->template_name);
		goto fail;
	}
	in->tpl = o->template_name ? (chat_template)chat_template_parse(o->template_name)
				   : has_chatml ? CHAT_CHATML : CHAT_RAW;
	if (o->tokenize || o->detokenize)
		return in;
	if (!o->model) {
		snprintf(err, errsz, "--model is required");
		goto fail;
	}
	const nn_ops *ops = o->ops ? o->ops : &nn_cpu_ops;
	ops->set_threads(o->threads);
	if (!(in->m = nn_model_load(o->model, ops, err, errsz)))
		goto fail;
	if ((size_t)in->m->c.vocab_size < tok_vocab_size(in->tok)) {
		snprintf(err, errsz, "the tokenizer has %zu tokens, the model's vocab_size is %d",
			 tok_vocab_size(in->tok), in->m->c.vocab_size);
		goto fail;
	}
	if (o->adapter) {
		if (!(in->lora = nn_lora_load(in->m, o->adapter, err, errsz)))
			goto fail;
		if (o->merge) {
			nn_lora_merge(in->m, in->lora);
			nn_lora_free(in->lora);
			in->lora = NULL;
		} else
			in->m->lora = in->lora;
	}
	for (int i = 0; i < in->m->c.n_eos; i++)
		add_eos(in, in->m->c.eos_ids[i]);
	if (in->tpl == CHAT_CHATML) {	/* the end of an assistant turn ends the completion */
		add_eos(in, tok_token_id(in->tok, "<|im_end|>"));
		add_eos(in, tok_token_id(in->tok, "<|endoftext|>"));
	}
	if ((o->json_schema || o->grammar || o->schema_field) && open_grammar(in, in->tok, err, errsz))
		goto fail;
	return in;
fail:
	infer_close(in);
	return NULL;
}

void infer_close(infer *in)
{
	if (!in)
		return;
	gc_free(in->gc);
	nn_lora_free(in->lora);
	nn_model_free(in->m);
	tok_free(in->tok);
	free(in->model_name);
	free(in->adapter_name);
	free(in);
}

void *infer_worker_new(infer *in)
{
	worker *w = calloc(1, sizeof *w);
	if ((w->m = in->m))
		w->s = nn_state_new(in->m, 0);
	if (in->o.endpoint) {
		ep_opts eo = {
			.url = in->o.endpoint, .model = in->o.model, .api_key = in->o.api_key,
			.max_tokens = in->o.max_tokens, .temperature = in->o.temperature,
			.top_p = in->o.top_p < 1 ? in->o.top_p : -1, .seed = (long)in->o.seed,
			.stop = in->o.stop, .n_stop = in->o.n_stop, .retries = in->o.retries,
			.backoff_s = in->o.backoff_s, .timeout_s = in->o.timeout_s,
		};
		w->ep = ep_client_new(&eo);
	}
	return w;
}

void infer_worker_free(void *vw)
{
	worker *w = vw;
	if (!w)
		return;
	if (w->s)
		nn_state_free(w->m, w->s);	/* its buffers belong to the model's backend */
	ep_client_free(w->ep);
	free(w);
}

static jv set_common(infer *in, jv rec, long tin, long tout, const char *finish, double t0)
{
	rec = jv_object_set(rec, jv_string("model"), in->model_name ? jv_string(in->model_name) : jv_null());
	rec = jv_object_set(rec, jv_string("adapter"), in->adapter_name ? jv_string(in->adapter_name) : jv_null());
	rec = jv_object_set(rec, jv_string("tokens_in"), tin >= 0 ? jv_number(tin) : jv_null());
	rec = jv_object_set(rec, jv_string("tokens_out"), tout >= 0 ? jv_number(tout) : jv_null());
	rec = jv_object_set(rec, jv_string("finish_reason"), finish ? jv_string(finish) : jv_null());
	return jv_object_set(rec, jv_string("latency_ms"), jv_number(round(ls_now() * 1e3 - t0)));
}

static jv do_tokenize(infer *in, jv rec)
{
	const char *field = in->o.input_field ? in->o.input_field : in->o.tokenize ? "text" : "tokens";
	const char *out = in->o.output_field ? in->o.output_field : in->o.tokenize ? "tokens" : "text";
	jv v = rec_path(rec, field);
	if (in->o.tokenize) {
		if (jv_get_kind(v) != JV_KIND_STRING) {
			jv_free(v);
			return ls_fail(rec, "no_input", "no '%s' string to tokenize", field);
		}
		int32_t *ids = NULL;
		long n = tok_encode(in->tok, jv_string_value(v), jv_string_length_bytes(jv_copy(v)), 0, &ids);
		jv_free(v);
		if (n < 0)
			return ls_fail(rec, "tokenize", "cannot tokenize '%s'", field);
		jv a = jv_array();
		for (long i = 0; i < n; i++)
			a = jv_array_append(a, jv_number(ids[i]));
		free(ids);
		return jv_object_set(rec, jv_string(out), a);
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		jv_free(v);
		return ls_fail(rec, "no_input", "no '%s' array of token ids", field);
	}
	int n = jv_array_length(jv_copy(v)), bad = 0;
	int32_t *ids = malloc(sizeof(int32_t) * (n + 1));
	jv_array_foreach(v, i, x) {
		double d = jv_get_kind(x) == JV_KIND_NUMBER ? jv_number_value(x) : -1;
		if (d < 0 || d != floor(d) || d >= (double)tok_vocab_size(in->tok))
			bad = 1;
		ids[i] = bad ? 0 : (int32_t)d;
		jv_free(x);
	}
	jv_free(v);
	char *text = bad ? NULL : tok_decode(in->tok, ids, n, 0, NULL);
	free(ids);
	if (!text)
		return ls_fail(rec, "detokenize", "'%s' holds something that is not a token id", field);
	rec = jv_object_set(rec, jv_string(out), jv_string(text));
	free(text);
	return rec;
}

static jv do_endpoint(infer *in, worker *w, jv rec)
{
	double t0 = ls_now() * 1e3;
	chat_msg *m;
	char err[1024];
	int n = chat_messages(rec, in->o.input_field, in->o.system, &m, err, sizeof err);
	if (n < 0)
		return ls_fail(rec, "no_prompt", "%s", err);
	ep_result r;
	int rc = ep_chat(w->ep, chat_json(m, n), &r, err, sizeof err);
	chat_free(m, n);
	if (rc)
		return ls_fail(rec, "endpoint", "%s", err);
	rec = jv_object_set(rec, jv_string(in->o.output_field ? in->o.output_field : "completion"),
			    jv_string(r.text));
	rec = set_common(in, rec, r.tokens_in, r.tokens_out, r.finish, t0);
	ep_result_free(&r);
	return rec;
}

static jv do_generate(infer *in, worker *w, jv rec)
{
	double t0 = ls_now() * 1e3;
	chat_msg *m;
	char err[1024];
	int n = chat_messages(rec, in->o.input_field, in->o.system, &m, err, sizeof err);
	if (n < 0)
		return ls_fail(rec, "no_prompt", "%s", err);
	char *prompt = chat_render(in->tpl, m, n, in->o.no_think);
	chat_free(m, n);
	int32_t *ids = NULL;
	long np = tok_encode(in->tok, prompt, strlen(prompt), in->tpl == CHAT_RAW, &ids);
	free(prompt);
	if (np <= 0) {
		free(ids);
		return ls_fail(rec, "tokenize", np < 0 ? "cannot tokenize the prompt" : "empty prompt");
	}
	if (np >= in->m->c.max_seq) {
		free(ids);
		return ls_fail(rec, "too_long", "prompt of %ld tokens does not fit the model's context of %d",
			       np, in->m->c.max_seq);
	}
	/* a record's seed: the run's seed and the record's identity */
	char key[64];
	const char *id = rec_str(rec, "id");
	char *canon = id ? NULL : rec_canonical(jv_copy(rec), NULL);
	snprintf(key, sizeof key, "%lu:", in->o.seed);
	size_t kl = strlen(key), il = strlen(id ? id : canon);
	char *sk = malloc(kl + il + 1);
	memcpy(sk, key, kl);
	memcpy(sk + kl, id ? id : canon, il + 1);
	nn_sampler smp;
	nn_sampler_init(&smp, (float)in->o.temperature, in->o.top_k, (float)in->o.top_p, hash64(sk, kl + il));
	free(sk);
	free(canon);
	nn_gen_opts go = {
		.max_tokens = in->o.max_tokens, .eos = in->eos, .n_eos = in->n_eos,
		.stop = in->o.stop, .n_stop = in->o.n_stop, .tok = in->tok,
	};
	gc_session sess;
	nn_constraint cons = { &sess, gc_allowed, gc_accept };
	if (in->gc) {
		gc_grammar *gg = gc_for(in->gc, rec, in->o.schema_field, err, sizeof err);
		if (!gg) {
			nn_sampler_free(&smp);
			free(ids);
			return ls_fail(rec, "schema", "%s", err);
		}
		gc_start(&sess, gg);
		go.cons = &cons;
	}
	nn_gen_out g;
	int rc = nn_generate(in->m, w->s, &smp, ids, (int)np, &go, &g, err, sizeof err);
	nn_sampler_free(&smp);
	free(ids);
	if (rc)
		return ls_fail(rec, "generate", "%s", err);
	rec = jv_object_set(rec, jv_string(in->o.output_field ? in->o.output_field : "completion"),
			    jv_string(g.text));
	rec = set_common(in, rec, np, g.n, g.finish, t0);
	nn_gen_out_free(&g);
	return rec;
}

static jv do_validate(infer *in, jv rec)
{
	char err[1024];
	gc_grammar *g = gc_for(in->gc, rec, in->o.schema_field, err, sizeof err);
	if (!g)
		return ls_fail(rec, "schema", "%s", err);
	jv v = rec_path(rec, in->o.validate_field);
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv_free(v);
		return ls_fail(rec, "no_input", "no '%s' string to check", in->o.validate_field);
	}
	long at = gc_check(g, jv_string_value(v), jv_string_length_bytes(jv_copy(v)));
	jv_free(v);
	jv r = jv_object_set(jv_object(), jv_string("valid"), jv_bool(at < 0));
	r = jv_object_set(r, jv_string("offset"), at < 0 ? jv_null() : jv_number(at));
	return jv_object_set(rec, jv_string(in->o.output_field ? in->o.output_field : "validation"), r);
}

jv infer_record(infer *in, void *vw, jv rec)
{
	worker *w = vw;
	if (in->o.validate_field)
		return do_validate(in, rec);
	if (in->o.tokenize || in->o.detokenize)
		return do_tokenize(in, rec);
	if (in->o.endpoint)
		return do_endpoint(in, w, rec);
	return do_generate(in, w, rec);
}
