/* test_nn.c — the decoder: config.json, save/load in every dtype and sharded,
 * the forward pass against a naive reference written out loop by loop, the
 * KV cache against full recomputation, deterministic greedy decoding.
 * `test_nn bench MODEL_DIR THREADS TOKENS` is bench/infer.sh's driver. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "t.h"
#include "model/safetensors.h"
#include "nn/config.h"
#include "nn/generate.h"
#include "nn/model.h"
#include "nn/sample.h"
#include "base/clock.h"

static char dir[256];
static char err[512];

static nn_config tiny(nn_arch arch, int tied)
{
	nn_config c = {
		.arch = arch, .dim = 32, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
		.head_dim = arch == NN_QWEN3 ? 16 : 8, .hidden_dim = 48, .vocab_size = 61,
		.max_seq = 64, .rope_theta = 10000, .norm_eps = 1e-6f, .tied = tied,
		.qk_norm = arch == NN_QWEN3, .bos_id = -1, .n_eos = 1, .eos_ids = { 60 },
	};
	return c;
}

static float maxdiff(const float *a, const float *b, size_t n)
{
	float d = 0;
	for (size_t i = 0; i < n; i++)
		if (!(fabsf(a[i] - b[i]) <= d))
			d = fabsf(a[i] - b[i]);
	return d;
}

/* ---- the naive reference: the same maths, written out with no BLAS ---- */

static void ref_rmsnorm(double *x, const float *w, int n, double eps)
{
	double ss = 0;
	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	double s = 1 / sqrt(ss / n + eps);
	for (int i = 0; i < n; i++)
		x[i] = x[i] * s * w[i];
}

static void ref_linear(double *out, const double *in, const float *w, int N, int K)
{
	for (int n = 0; n < N; n++) {
		double acc = 0;
		for (int k = 0; k < K; k++)
			acc += w[(size_t)n * K + k] * in[k];
		out[n] = acc;
	}
}

static void ref_rope(double *v, int pos, int hd, double theta)
{
	for (int i = 0; i < hd / 2; i++) {
		double a = pos * pow(theta, -2.0 * i / hd), x1 = v[i], x2 = v[i + hd / 2];
		v[i] = x1 * cos(a) - x2 * sin(a);
		v[i + hd / 2] = x2 * cos(a) + x1 * sin(a);
	}
}

/* logits[T, V] for tokens[T] from position 0, in double precision. */
static void ref_forward(const nn_model *m, const int *tok, int T, float *logits)
{
	const nn_config *c = &m->c;
	int D = c->dim, H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim, F = c->hidden_dim;
	double *x = calloc((size_t)T * D, sizeof *x), *xn = malloc(sizeof(double) * D);
	double *q = malloc(sizeof(double) * T * H * hd), *k = malloc(sizeof(double) * T * KV * hd);
	double *v = malloc(sizeof(double) * T * KV * hd), *att = malloc(sizeof(double) * H * hd);
	double *g = malloc(sizeof(double) * F), *u = malloc(sizeof(double) * F), *o = malloc(sizeof(double) * D);
	double *sc = malloc(sizeof(double) * T);
	for (int t = 0; t < T; t++)
		for (int i = 0; i < D; i++)
			x[t * D + i] = m->embed[(size_t)tok[t] * D + i];
	for (int l = 0; l < c->n_layers; l++) {
		const nn_layer *L = &m->layers[l];
		for (int t = 0; t < T; t++) {	/* projections of every position */
			memcpy(xn, x + t * D, sizeof(double) * D);
			ref_rmsnorm(xn, L->attn_norm, D, c->norm_eps);
			ref_linear(q + t * H * hd, xn, L->w[NN_Q], H * hd, D);
			ref_linear(k + t * KV * hd, xn, L->w[NN_K], KV * hd, D);
			ref_linear(v + t * KV * hd, xn, L->w[NN_V], KV * hd, D);
			for (int h = 0; h < H; h++) {
				if (c->qk_norm)
					ref_rmsnorm(q + (t * H + h) * hd, L->q_norm, hd, c->norm_eps);
				ref_rope(q + (t * H + h) * hd, t, hd, c->rope_theta);
			}
			for (int h = 0; h < KV; h++) {
				if (c->qk_norm)
					ref_rmsnorm(k + (t * KV + h) * hd, L->k_norm, hd, c->norm_eps);
				ref_rope(k + (t * KV + h) * hd, t, hd, c->rope_theta);
			}
		}
		for (int t = 0; t < T; t++) {	/* causal attention, then the MLP */
			for (int h = 0; h < H; h++) {
				int kh = h / (H / KV);
				double mx = -1e300, sum = 0;
				for (int s = 0; s <= t; s++) {
					double d = 0;
					for (int i = 0; i < hd; i++)
						d += q[(t * H + h) * hd + i] * k[(s * KV + kh) * hd + i];
					sc[s] = d / sqrt(hd);
					if (sc[s] > mx)
						mx = sc[s];
				}
				for (int s = 0; s <= t; s++)
					sum += sc[s] = exp(sc[s] - mx);
				for (int i = 0; i < hd; i++) {
					double a = 0;
					for (int s = 0; s <= t; s++)
						a += sc[s] / sum * v[(s * KV + kh) * hd + i];
					att[h * hd + i] = a;
				}
			}
			ref_linear(o, att, L->w[NN_O], D, H * hd);
			for (int i = 0; i < D; i++)
				x[t * D + i] += o[i];
			memcpy(xn, x + t * D, sizeof(double) * D);
			ref_rmsnorm(xn, L->mlp_norm, D, c->norm_eps);
			ref_linear(g, xn, L->w[NN_GATE], F, D);
			ref_linear(u, xn, L->w[NN_UP], F, D);
			for (int i = 0; i < F; i++)
				g[i] = g[i] / (1 + exp(-g[i])) * u[i];
			ref_linear(o, g, L->w[NN_DOWN], D, F);
			for (int i = 0; i < D; i++)
				x[t * D + i] += o[i];
		}
	}
	double *lg = malloc(sizeof(double) * c->vocab_size);
	for (int t = 0; t < T; t++) {
		memcpy(xn, x + t * D, sizeof(double) * D);
		ref_rmsnorm(xn, m->final_norm, D, c->norm_eps);
		ref_linear(lg, xn, m->lm_head, c->vocab_size, D);
		for (int i = 0; i < c->vocab_size; i++)
			logits[(size_t)t * c->vocab_size + i] = (float)lg[i];
	}
	free(lg), free(x), free(xn), free(q), free(k), free(v), free(att), free(g), free(u), free(o), free(sc);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_config(void)
{
	nn_config c;
	const char *q3 = "{\"model_type\":\"qwen3\",\"hidden_size\":1024,\"num_hidden_layers\":28,"
		"\"num_attention_heads\":16,\"num_key_value_heads\":8,\"head_dim\":128,"
		"\"intermediate_size\":3072,\"vocab_size\":151936,\"max_position_embeddings\":40960,"
		"\"rope_theta\":1000000,\"rms_norm_eps\":1e-06,\"tie_word_embeddings\":true,"
		"\"eos_token_id\":151645,\"bos_token_id\":151643,\"hidden_act\":\"silu\","
		"\"use_sliding_window\":false,\"rope_scaling\":null,\"torch_dtype\":\"bfloat16\"}";
	T_OK(nn_config_parse(&c, q3, strlen(q3), err, sizeof err) == 0, "Qwen3-0.6B's config.json");
	T_OK(c.arch == NN_QWEN3 && c.dim == 1024 && c.head_dim == 128 && c.n_kv_heads == 8 &&
	     c.tied && c.qk_norm && c.rope_theta == 1e6f && c.n_eos == 1 && c.eos_ids[0] == 151645,
	     "its fields");
	const char *ll = "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
		"\"num_attention_heads\":4,\"intermediate_size\":128,\"vocab_size\":100,"
		"\"eos_token_id\":[1,2],\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
		"\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}}";
	T_OK(nn_config_parse(&c, ll, strlen(ll), err, sizeof err) == 0, "a Llama config with defaults");
	T_OK(c.n_kv_heads == 4 && c.head_dim == 16 && !c.tied && !c.qk_norm && c.n_eos == 2 &&
	     c.rope_factor == 8 && c.rope_theta == 10000, "defaults: kv heads, head_dim, untied");
	/* Llama 3.1's rope scaling: high frequencies kept, low ones divided by
	 * the factor, the band between blended (wavelengths against 8192/1 and 8192/4) */
	c.head_dim = 128, c.rope_theta = 500000, c.n_heads = 1, c.n_kv_heads = 1, c.dim = 128;
	nn_model *rm = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	int mid = -1;
	for (int i = 0; i < 64 && rm; i++) {
		double f = pow(500000.0, -2.0 * i / 128), wl = 2 * M_PI / f;
		if (wl >= 2048 && wl <= 8192 && mid < 0)
			mid = i;
	}
	double fm = pow(500000.0, -2.0 * mid / 128), sm = (8192 / (2 * M_PI / fm) - 1) / 3;
	T_OK(rm && fabsf(rm->inv_freq[0] - 1.0f) < 1e-6f &&
	     fabs(rm->inv_freq[63] - pow(500000.0, -126.0 / 128) / 8) < 1e-9 &&
	     fabs(rm->inv_freq[mid] - ((1 - sm) * fm / 8 + sm * fm)) < 1e-6 * fm,
	     "llama3 rope scaling of the frequencies");
	nn_model_free(rm);
	c.head_dim = 16, c.rope_theta = 10000, c.n_heads = 4, c.n_kv_heads = 4, c.dim = 64;
	char *js = nn_config_json(&c);
	nn_config c2;
	T_OK(nn_config_parse(&c2, js, strlen(js), err, sizeof err) == 0 && c2.dim == c.dim &&
	     c2.n_eos == 2 && c2.eos_ids[1] == 2 && c2.rope_factor == 8, "written config reads back");
	free(js);
	struct { const char *json, *want; } bad[] = {
		{ "{\"model_type\":\"gpt2\"}", "unsupported model_type 'gpt2'" },
		{ "{\"model_type\":\"llama\",\"hidden_size\":64}", "'num_hidden_layers' is missing" },
		{ "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
		  "\"num_attention_heads\":4,\"num_key_value_heads\":3,\"intermediate_size\":8,"
		  "\"vocab_size\":10}", "not a multiple" },
		{ "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
		  "\"num_attention_heads\":4,\"intermediate_size\":8,\"vocab_size\":10,"
		  "\"rope_scaling\":{\"type\":\"yarn\"}}", "rope_scaling type 'yarn'" },
		{ "{\"model_type\":\"llama\",\"hidden_size\":64,\"num_hidden_layers\":2,"
		  "\"num_attention_heads\":4,\"intermediate_size\":8,\"vocab_size\":10,"
		  "\"attention_bias\":true}", "attention_bias" },
		{ "{\"model_type\":\"llama\",\"hidden_size\":\"64\"}", "not a number" },
		{ "[]", "not a JSON object" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		int rc = nn_config_parse(&c, bad[i].json, strlen(bad[i].json), err, sizeof err);
		if (!T_OK(rc < 0 && strstr(err, bad[i].want), bad[i].want))
			printf("#   got '%s'\n", err);
	}
}

static void test_reference(nn_arch arch, int tied, const char *what)
{
	nn_config c = tiny(arch, tied);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 7 + arch, 0.2f);
	int tok[9] = { 3, 14, 15, 9, 2, 6, 5, 35, 60 }, T = 9, V = c.vocab_size;
	float *want = malloc(sizeof(float) * T * V), *got = malloc(sizeof(float) * T * V);
	ref_forward(m, tok, T, want);
	nn_state *s = nn_state_new(m, 0);
	T_OK(nn_forward(m, s, tok, T, got, 1, err, sizeof err) == 0, "forward runs");
	float d = maxdiff(got, want, (size_t)T * V);
	char msg[200];
	snprintf(msg, sizeof msg, "%s: forward agrees with the naive reference (max diff %.2g)", what, d);
	T_OK(d < 1e-4f, msg);
	/* the comparison can fail: a changed weight changes the logits */
	m->layers[1].w[NN_V][5] += 0.5f;
	nn_state_reset(s);
	nn_forward(m, s, tok, T, got, 1, err, sizeof err);
	T_OK(maxdiff(got, want, (size_t)T * V) > 1e-3f, "a perturbed weight is noticed");
	m->layers[1].w[NN_V][5] -= 0.5f;

	/* KV cache: one token at a time, and in chunks, give the same logits */
	float *step = malloc(sizeof(float) * T * V);
	nn_state_reset(s);
	int ok = 1;
	for (int t = 0; t < T; t++)
		ok &= nn_forward(m, s, &tok[t], 1, step + (size_t)t * V, 0, err, sizeof err) == 0;
	snprintf(msg, sizeof msg, "%s: token by token with the KV cache agrees (max diff %.2g)", what,
		 maxdiff(step, want, (size_t)T * V));
	T_OK(ok && maxdiff(step, want, (size_t)T * V) < 1e-4f, msg);
	nn_state *s2 = nn_state_new(m, 0);
	ok = nn_forward(m, s2, tok, 4, NULL, 0, err, sizeof err) == 0 &&
	     nn_forward(m, s2, tok + 4, 5, step, 1, err, sizeof err) == 0;
	T_OK(ok && maxdiff(step, want + 4 * V, (size_t)5 * V) < 1e-4f, "prefill 4, then a chunk of 5");
	T_EQ_INT(s2->pos, 9, "the cache holds 9 positions");
	nn_state_free(m, s2);
	free(step);
	free(want);
	free(got);
	nn_state_free(m, s);
	nn_model_free(m);
}

static int mkpath(char *out, size_t n, const char *name)
{
	return snprintf(out, n, "%s/%s", dir, name);
}

static void test_save_load(void)
{
	nn_config c = tiny(NN_QWEN3, 0);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 11, 0.2f);
	int tok[5] = { 1, 2, 3, 4, 5 }, V = c.vocab_size;
	float *want = malloc(sizeof(float) * 5 * V), *got = malloc(sizeof(float) * 5 * V);
	nn_state *s = nn_state_new(m, 0);
	nn_forward(m, s, tok, 5, want, 1, err, sizeof err);
	nn_state_free(m, s);

	char p[512];
	struct { int dtype; size_t shard; float tol; const char *name; } cases[] = {
		{ ST_F32, 0, 0, "F32" }, { ST_BF16, 0, 0.1f, "BF16" }, { ST_F16, 0, 0.02f, "F16" },
		{ ST_F32, 20000, 0, "F32 sharded" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mkpath(p, sizeof p, cases[i].name);
		char msg[200];
		snprintf(msg, sizeof msg, "save %s", cases[i].name);
		T_OK(nn_model_save(m, p, cases[i].dtype, cases[i].shard, err, sizeof err) == 0, msg);
		nn_model *m2 = nn_model_load(p, &nn_cpu_ops, err, sizeof err);
		snprintf(msg, sizeof msg, "load %s", cases[i].name);
		if (!T_OK(m2 != NULL, msg)) {
			printf("#   %s\n", err);
			continue;
		}
		nn_state *s2 = nn_state_new(m2, 0);
		nn_forward(m2, s2, tok, 5, got, 1, err, sizeof err);
		float d = maxdiff(got, want, (size_t)5 * V);
		snprintf(msg, sizeof msg, "%s: logits after reload (max diff %.2g)", cases[i].name, d);
		T_OK(cases[i].tol ? d < cases[i].tol : d == 0 && !memcmp(m2->params, m->params,
									 m->n_params * 4), msg);
		nn_state_free(m2, s2);
		nn_model_free(m2);
	}
	struct stat st;
	mkpath(p, sizeof p, "F32 sharded/model.safetensors.index.json");
	T_OK(stat(p, &st) == 0, "the sharded save wrote an index");
	mkpath(p, sizeof p, "F32 sharded");
	DIR *d = opendir(p);
	int shards = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		shards += !strncmp(e->d_name, "model-0000", 10);
	if (d)
		closedir(d);
	T_OK(shards > 2, "and several shards");

	/* broken directories give clear errors */
	nn_model_save(m, (mkpath(p, sizeof p, "bad"), p), ST_F32, 0, err, sizeof err);
	char fp[600];
	snprintf(fp, sizeof fp, "%s/model.safetensors", p);
	int n;
	nn_tensor *t = nn_model_tensors(m, &n);
	struct { int drop, reshape, extra, i32; const char *want; } bad[] = {
		{ 1, 0, 0, 0, "tensor 'model.layers.0.input_layernorm.weight' is missing" },
		{ 0, 1, 0, 0, "has shape [60, 32], config.json says [61, 32]" },
		{ 0, 0, 1, 0, "unexpected tensor 'model.layers.0.self_attn.q_proj.bias'" },
		{ 0, 0, 0, 1, "dtype I32" },
	};
	for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
		st_writer *w = st_writer_new();
		for (int i = 0; i < n; i++) {
			int64_t sh[2] = { t[i].shape[0], t[i].shape[1] };
			if (bad[b].drop && i == 1)
				continue;
			if (bad[b].reshape && i == 0)
				sh[0]--;
			if (bad[b].i32 && i == 0)
				st_writer_add_raw(w, t[i].name, ST_I32, t[i].ndim, sh, t[i].data);
			else
				st_writer_add(w, t[i].name, ST_F32, t[i].ndim, sh, t[i].data);
		}
		int64_t bs[1] = { 64 };
		if (bad[b].extra)
			st_writer_add(w, "model.layers.0.self_attn.q_proj.bias", ST_F32, 1, bs, t[0].data);
		st_writer_save(w, fp, err, sizeof err);
		st_writer_free(w);
		err[0] = 0;
		nn_model *m3 = nn_model_load(p, &nn_cpu_ops, err, sizeof err);
		if (!T_OK(!m3 && strstr(err, bad[b].want), bad[b].want))
			printf("#   got '%s'\n", err);
		nn_model_free(m3);
	}
	free(t);
	T_OK(!nn_model_load("/nonexistent", &nn_cpu_ops, err, sizeof err) && strstr(err, "config.json"),
	     "a missing directory");
	free(want);
	free(got);
	nn_model_free(m);
}

static void test_generate(void)
{
	nn_config c = tiny(NN_LLAMA, 1);
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 3, 0.5f);
	nn_state *s = nn_state_new(m, 0);
	int32_t prompt[3] = { 5, 6, 7 }, eos = 60;
	nn_gen_opts o = { .max_tokens = 20, .eos = &eos, .n_eos = 1 };
	nn_gen_out a, b;
	nn_sampler g;
	nn_sampler_init(&g, 0, 0, 1, 0);
	T_OK(nn_generate(m, s, &g, prompt, 3, &o, &a, err, sizeof err) == 0, "greedy generation");
	T_OK(nn_generate(m, s, &g, prompt, 3, &o, &b, err, sizeof err) == 0, "again");
	T_OK(a.n == b.n && a.n > 0 && !memcmp(a.ids, b.ids, a.n * sizeof(int32_t)), "greedy is deterministic");
	/* greedy equals argmax of a full recomputation at every step */
	int32_t seq[64];
	memcpy(seq, prompt, sizeof prompt);
	memcpy(seq + 3, a.ids, a.n * sizeof(int32_t));
	float *lg = malloc(sizeof(float) * 64 * c.vocab_size);
	nn_state *s2 = nn_state_new(m, 0);
	nn_forward(m, s2, seq, 3 + a.n, lg, 1, err, sizeof err);
	int same = 1;
	for (int i = 0; i < a.n; i++)
		same &= nn_argmax(lg + (size_t)(2 + i) * c.vocab_size, c.vocab_size) == a.ids[i];
	T_OK(same, "each greedy token is the argmax of a full forward pass");
	nn_state_free(m, s2);
	free(lg);
	T_OK(a.finish && (!strcmp(a.finish, "length") ? a.n == 20 : 1), "finish reason");
	nn_gen_out_free(&b);

	nn_sampler s1, s2b, s3;
	nn_sampler_init(&s1, 1.0f, 0, 1, 42);
	nn_sampler_init(&s2b, 1.0f, 0, 1, 42);
	nn_sampler_init(&s3, 1.0f, 0, 1, 43);
	nn_gen_out x, y, z;
	nn_generate(m, s, &s1, prompt, 3, &o, &x, err, sizeof err);
	nn_generate(m, s, &s2b, prompt, 3, &o, &y, err, sizeof err);
	nn_generate(m, s, &s3, prompt, 3, &o, &z, err, sizeof err);
	T_OK(x.n == y.n && !memcmp(x.ids, y.ids, x.n * sizeof(int32_t)), "the same seed samples the same");
	T_OK(x.n != z.n || memcmp(x.ids, z.ids, x.n * sizeof(int32_t)), "another seed samples differently");
	nn_gen_out_free(&x), nn_gen_out_free(&y), nn_gen_out_free(&z);
	nn_sampler_free(&s1), nn_sampler_free(&s2b), nn_sampler_free(&s3);

	/* EOS stops: make the first greedy token the EOS id */
	o.eos = &a.ids[0];
	nn_generate(m, s, &g, prompt, 3, &o, &b, err, sizeof err);
	T_OK(b.n == 0 && !strcmp(b.finish, "stop"), "EOS ends the completion, not part of it");
	nn_gen_out_free(&b);
	nn_gen_out_free(&a);
	o.max_tokens = 100;
	o.eos = NULL, o.n_eos = 0;
	nn_generate(m, s, &g, prompt, 3, &o, &b, err, sizeof err);
	T_EQ_INT(b.n, 64 - 3, "generation stops at max_position_embeddings");
	nn_gen_out_free(&b);
	int32_t badtok = 61;
	T_OK(nn_generate(m, s, &g, &badtok, 1, &o, &b, err, sizeof err) < 0 && strstr(err, "out of range"),
	     "a token id past the vocabulary");
	nn_state_free(m, s);
	nn_model_free(m);
}

/* ---- benchmark driver: test_nn bench MODEL_DIR THREADS TOKENS ------------ */

#include <omp.h>
#include <time.h>

/* Copy bandwidth with `threads` threads, STREAM's convention: bytes read +
 * bytes written per second; best of 5 copies of 256 MiB. */
static double copy_bandwidth(int threads)
{
	size_t n = 256u << 20;
	char *a = malloc(n), *b = malloc(n);
	memset(a, 1, n);
	memset(b, 2, n);
	double best = 1e30;
	for (int r = 0; r < 5; r++) {
		double t0 = ls_now();
		#pragma omp parallel num_threads(threads)
		{
			int k = omp_get_thread_num(), nt = omp_get_num_threads();
			size_t chunk = n / nt, off = k * chunk;
			memcpy(b + off, a + off, k == nt - 1 ? n - off : chunk);
		}
		double t = ls_now() - t0;
		if (t < best)
			best = t;
	}
	volatile char sink = b[n / 2];
	(void)sink;
	free(a);
	free(b);
	return 2.0 * n / best;
}

static int bench(const char *model, int threads, int ntok)
{
	nn_cpu_ops.set_threads(threads);
	nn_model *m = nn_model_load(model, &nn_cpu_ops, err, sizeof err);
	if (!m) {
		fprintf(stderr, "test_nn: %s\n", err);
		return 66;
	}
	const nn_config *c = &m->c;
	nn_state *s = nn_state_new(m, 0);
	float *logits = malloc(sizeof(float) * c->vocab_size);
	int32_t prompt[16];
	for (int i = 0; i < 16; i++)
		prompt[i] = (i * 37 + 5) % c->vocab_size;
	if (ntok + 16 > c->max_seq)
		ntok = c->max_seq - 16;
	/* prefill speed: 256 tokens in one pass */
	int np = c->max_seq > 512 ? 256 : c->max_seq / 2;
	int32_t *longp = malloc(sizeof(int32_t) * np);
	for (int i = 0; i < np; i++)
		longp[i] = (i * 101 + 7) % c->vocab_size;
	double tp = ls_now();
	nn_forward(m, s, longp, np, logits, 0, err, sizeof err);
	tp = ls_now() - tp;
	free(longp);
	nn_state_reset(s);
	nn_forward(m, s, prompt, 16, logits, 0, err, sizeof err);	/* prefill, not timed */
	double t0 = ls_now();
	for (int i = 0; i < ntok; i++) {
		int32_t id = nn_argmax(logits, c->vocab_size);
		nn_forward(m, s, &id, 1, logits, 0, err, sizeof err);
	}
	double dt = ls_now() - t0;
	/* weights read per decoded token: everything but the embedding table,
	 * of which one row is read, unless it doubles as the output head */
	double wbytes = 4.0 * (m->n_params - (c->tied ? 0 : (size_t)c->vocab_size * c->dim));
	double bw = copy_bandwidth(threads);
	printf("{\"params\":%zu,\"threads\":%d,\"prefill_tok_s\":%.0f,\"tokens\":%d,\"decode_tok_s\":%.1f,"
	       "\"weight_mb_per_token\":%.1f,\"copy_gb_s\":%.2f,\"bound_tok_s\":%.1f,\"ratio\":%.2f}\n",
	       m->n_params, threads, np / tp, ntok, ntok / dt, wbytes / 1e6, bw / 1e9, bw / wbytes,
	       (ntok / dt) / (bw / wbytes));
	free(logits);
	nn_state_free(m, s);
	nn_model_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "bench"))
		return bench(argv[2], atoi(argv[3]), atoi(argv[4]));
	snprintf(dir, sizeof dir, "/tmp/test_nn.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_config();
	test_reference(NN_LLAMA, 0, "llama, GQA, untied");
	test_reference(NN_QWEN3, 1, "qwen3, q/k norms, tied");
	test_save_load();
	test_generate();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
