/* test_mkmodel.c — writes tiny random-weight models in Hugging Face layout.
 *
 * Without arguments: checks that a written model directory loads back whole.
 * With arguments it is the tool the ls-infer tests and bench/infer.sh use:
 *   test_mkmodel DIR [--arch qwen3|llama] [--dim N] [--layers N] [--heads N]
 *	[--kv-heads N] [--head-dim N] [--ffn N] [--vocab N] [--ctx N] [--untied]
 *	[--seed N] [--std X] [--dtype F32|F16|BF16] [--shard BYTES]
 *	[--tokenizer FILE]	copy it to DIR/tokenizer.json; vocab and EOS from it
 *	[--adapter DIR2 --r N --alpha X [--rslora]]	also a random PEFT adapter
 * Everything comes from the project's own safetensors writer: no Python. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "t.h"
#include "model/safetensors.h"
#include "model/tokenizer.h"
#include "nn/lora.h"
#include "nn/model.h"
#include "nn/util.h"

static int copy_file(const char *from, const char *to)
{
	size_t n;
	char *s = nn_slurp(from, &n);
	FILE *f = s ? fopen(to, "wb") : NULL;
	int ok = f && fwrite(s, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = 0;
	free(s);
	return ok ? 0 : -1;
}

static int make(int argc, char **argv)
{
	const char *out = argv[1], *tokfile = NULL, *adapter = NULL;
	nn_config c = {
		.arch = NN_QWEN3, .dim = 64, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
		.head_dim = 16, .hidden_dim = 128, .vocab_size = 256, .max_seq = 512,
		.rope_theta = 1e6f, .norm_eps = 1e-6f, .tied = 1, .bos_id = -1,
	};
	unsigned long long seed = 1;
	float std = 0.1f, alpha = 16;
	int dtype = ST_F32, r = 4, rslora = 0, head_dim_set = 0;
	size_t shard = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
		if (OPT("--arch"))
			c.arch = !strcmp(v, "llama") ? NN_LLAMA : NN_QWEN3;
		else if (OPT("--dim")) c.dim = atoi(v);
		else if (OPT("--layers")) c.n_layers = atoi(v);
		else if (OPT("--heads")) c.n_heads = atoi(v);
		else if (OPT("--kv-heads")) c.n_kv_heads = atoi(v);
		else if (OPT("--head-dim")) c.head_dim = atoi(v), head_dim_set = 1;
		else if (OPT("--ffn")) c.hidden_dim = atoi(v);
		else if (OPT("--vocab")) c.vocab_size = atoi(v);
		else if (OPT("--ctx")) c.max_seq = atoi(v);
		else if (OPT("--seed")) seed = strtoull(v, NULL, 10);
		else if (OPT("--std")) std = atof(v);
		else if (OPT("--shard")) shard = strtoull(v, NULL, 10);
		else if (OPT("--dtype"))
			dtype = st_dtype_from_name(v);
		else if (OPT("--tokenizer")) tokfile = v;
		else if (OPT("--adapter")) adapter = v;
		else if (OPT("--r")) r = atoi(v);
		else if (OPT("--alpha")) alpha = atof(v);
		else if (!strcmp(a, "--rslora")) rslora = 1;
		else if (!strcmp(a, "--untied")) c.tied = 0;
		else {
			fprintf(stderr, "test_mkmodel: unknown option '%s'\n", a);
			return 64;
		}
#undef OPT
	}
	if (!head_dim_set)
		c.head_dim = c.dim / c.n_heads;
	c.qk_norm = c.arch == NN_QWEN3;
	char err[512], path[4096];
	tokenizer *tk = NULL;
	if (tokfile) {
		if (!(tk = tok_load(tokfile, err, sizeof err))) {
			fprintf(stderr, "test_mkmodel: %s\n", err);
			return 66;
		}
		c.vocab_size = (int)tok_vocab_size(tk);
		const char *eos[] = { "<|endoftext|>", "<|im_end|>" };
		for (int i = 0; i < 2; i++) {
			int32_t id = tok_token_id(tk, eos[i]);
			if (id >= 0)
				c.eos_ids[c.n_eos++] = id;
		}
	}
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	if (!m) {
		fprintf(stderr, "test_mkmodel: %s\n", err);
		return 64;
	}
	nn_model_init_random(m, seed, std);
	int rc = nn_model_save(m, out, dtype, shard, err, sizeof err);
	if (!rc && tokfile) {
		snprintf(path, sizeof path, "%s/tokenizer.json", out);
		if (copy_file(tokfile, path))
			rc = nn_err(err, sizeof err, "cannot copy '%s'", tokfile);
	}
	if (!rc && adapter) {
		nn_lora *a = nn_lora_new(m, r, alpha, rslora, (1u << NN_NLIN) - 1, seed + 1, 0.1f);
		nn_rng g;
		nn_rng_seed(&g, seed + 2);
		for (size_t i = 0; i < a->n_params; i++)	/* B too, or it would do nothing */
			if (a->params[i] == 0)
				a->params[i] = 0.05f * nn_rng_normal(&g);
		rc = nn_lora_save(m, a, adapter, out, err, sizeof err);
		nn_lora_free(a);
	}
	if (rc)
		fprintf(stderr, "test_mkmodel: %s\n", err);
	tok_free(tk);
	nn_model_free(m);
	return rc ? 73 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return make(argc, argv);
	char dir[] = "/tmp/test_mkmodel.XXXXXX", sub[300], ad[300], err[512];
	if (!mkdtemp(dir))
		return 1;
	snprintf(sub, sizeof sub, "%s/m", dir);
	snprintf(ad, sizeof ad, "%s/a", dir);
	const char *top = getenv("TOP");
	char tokp[1024];
	snprintf(tokp, sizeof tokp, "%s/tests/fixtures/tiny-tokenizer.json", top ? top : ".");
	char *args[] = { "x", sub, "--arch", "llama", "--dim", "48", "--heads", "6", "--kv-heads", "2",
			 "--dtype", "BF16", "--tokenizer", tokp, "--adapter", ad, "--r", "2", NULL };
	T_EQ_INT(make(18, args), 0, "write a model with a tokenizer and an adapter");
	nn_model *m = nn_model_load(sub, &nn_cpu_ops, err, sizeof err);
	if (!T_OK(m != NULL, "the model loads"))
		printf("#   %s\n", err);
	T_OK(m && m->c.arch == NN_LLAMA && m->c.dim == 48 && m->c.head_dim == 8 && m->c.vocab_size == 659,
	     "with the requested shape and the tokenizer's vocabulary");
	T_OK(m && m->c.n_eos == 2, "EOS ids from the tokenizer");
	nn_lora *a = m ? nn_lora_load(m, ad, err, sizeof err) : NULL;
	T_OK(a && a->n_mods == 2 * NN_NLIN && a->mods[0].r == 2, "the adapter loads on it");
	nn_lora_free(a);
	nn_model_free(m);
	char *bad[] = { "x", sub, "--frobnicate", NULL };
	T_EQ_INT(make(3, bad), 64, "an unknown option");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
