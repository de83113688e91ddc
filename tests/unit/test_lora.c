/* test_lora.c — PEFT adapters: save/load round trip, merged and unmerged give
 * the same logits, scales (alpha/r, rsLoRA, rank_pattern, alpha_pattern), and
 * clear errors for adapters that do not fit the base model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "model/safetensors.h"
#include "nn/lora.h"
#include "nn/model.h"
#include "nn/util.h"

static char dir[256], err[512];

static nn_config tiny(void)
{
	nn_config c = {
		.arch = NN_QWEN3, .dim = 32, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
		.head_dim = 16, .hidden_dim = 48, .vocab_size = 50, .max_seq = 64,
		.rope_theta = 1e6f, .norm_eps = 1e-6f, .tied = 1, .qk_norm = 1, .bos_id = -1,
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

static void logits_of(const nn_model *m, float *out)
{
	int tok[6] = { 1, 7, 3, 9, 27, 4 };
	nn_state *s = nn_state_new(m, 0);
	nn_forward(m, s, tok, 6, out, 1, err, sizeof err);
	nn_state_free(m, s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* An adapter with B random too (PEFT starts B at 0, which would test nothing). */
static nn_lora *random_adapter(const nn_model *m, int r, float alpha, int rslora, unsigned targets)
{
	nn_lora *a = nn_lora_new(m, r, alpha, rslora, targets, 5, 0.3f);
	nn_rng g;
	nn_rng_seed(&g, 9);
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		nn_lora_mod *x = &a->mods[i];
		int o, in;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		for (int j = 0; x->B && j < o * x->r; j++)
			x->B[j] = 0.3f * nn_rng_normal(&g);
	}
	return a;
}

static void test_merge(void)
{
	nn_config c = tiny();
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 1, 0.2f);
	size_t n = (size_t)6 * c.vocab_size;
	float *base = malloc(n * 4), *unmerged = malloc(n * 4), *merged = malloc(n * 4), *again = malloc(n * 4);
	logits_of(m, base);

	unsigned all = (1u << NN_NLIN) - 1;
	nn_lora *a = random_adapter(m, 4, 8, 0, all);
	T_EQ_INT(a->n_mods, 2 * NN_NLIN, "every linear of both layers adapted");
	T_OK(fabsf(a->mods[0].scale - 2.0f) < 1e-6f, "scale alpha / r");
	char p[512];
	snprintf(p, sizeof p, "%s/adapter", dir);
	T_OK(nn_lora_save(m, a, p, "tiny-base", err, sizeof err) == 0, "save the adapter");
	nn_lora *b = nn_lora_load(m, p, err, sizeof err);
	if (!T_OK(b != NULL, "load it back"))
		printf("#   %s\n", err);
	T_OK(b && b->n_params == a->n_params && !memcmp(b->params, a->params, a->n_params * 4) &&
	     b->mods[3].scale == a->mods[3].scale && !strcmp(b->base_model, "tiny-base"),
	     "the same values and scales");

	m->lora = b;
	logits_of(m, unmerged);
	m->lora = NULL;
	T_OK(maxdiff(unmerged, base, n) > 1e-2f, "the adapter changes the logits");
	nn_lora_merge(m, b);
	logits_of(m, merged);
	float d = maxdiff(merged, unmerged, n);
	char msg[128];
	snprintf(msg, sizeof msg, "merged and unmerged agree (max diff %.2g)", d);
	T_OK(d < 1e-4f, msg);
	nn_lora_free(b);
	nn_lora_free(a);

	/* rsLoRA and a rank/alpha pattern for one module */
	nn_model_init_random(m, 1, 0.2f);
	a = random_adapter(m, 4, 8, 1, 1u << NN_Q | 1u << NN_V);
	T_OK(fabsf(a->mods[0].scale - 4.0f) < 1e-6f, "rsLoRA scale alpha / sqrt(r)");
	snprintf(p, sizeof p, "%s/rs", dir);
	nn_lora_save(m, a, p, NULL, err, sizeof err);
	char cfg[600];
	snprintf(cfg, sizeof cfg, "%s/adapter_config.json", p);
	write_file(cfg, "{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"use_rslora\":true,"
		   "\"target_modules\":[\"q_proj\",\"v_proj\"],"
		   "\"alpha_pattern\":{\"layers.1.self_attn.v_proj\":32},\"rank_pattern\":{}}");
	b = nn_lora_load(m, p, err, sizeof err);
	T_OK(b && fabsf(b->mods[1 * NN_NLIN + NN_V].scale - 16.0f) < 1e-5f &&
	     fabsf(b->mods[0 * NN_NLIN + NN_V].scale - 4.0f) < 1e-5f, "alpha_pattern for one module");
	m->lora = b;
	logits_of(m, unmerged);
	m->lora = NULL;
	nn_lora_merge(m, b);
	logits_of(m, merged);
	T_OK(maxdiff(merged, unmerged, n) < 1e-4f, "merged and unmerged agree with patterns");
	nn_lora_free(b);
	/* a regex target_modules string, as PEFT allows */
	write_file(cfg, "{\"r\":4,\"lora_alpha\":4,\"target_modules\":\".*\\\\.(q|v)_proj\"}");
	b = nn_lora_load(m, p, err, sizeof err);
	T_OK(b && fabsf(b->mods[NN_Q].scale - 1.0f) < 1e-6f, "target_modules as a regex");
	nn_lora_free(b);
	nn_lora_free(a);

	/* a different rank for one module through rank_pattern */
	nn_model_init_random(m, 1, 0.2f);
	a = random_adapter(m, 4, 8, 0, 1u << NN_DOWN);
	snprintf(p, sizeof p, "%s/rp", dir);
	nn_lora_save(m, a, p, NULL, err, sizeof err);
	snprintf(cfg, sizeof cfg, "%s/adapter_config.json", p);
	write_file(cfg, "{\"r\":2,\"lora_alpha\":8,\"target_modules\":[\"down_proj\"],"
		   "\"rank_pattern\":{\"down_proj\":4}}");
	b = nn_lora_load(m, p, err, sizeof err);
	T_OK(b && b->mods[NN_DOWN].r == 4 && fabsf(b->mods[NN_DOWN].scale - 2.0f) < 1e-6f,
	     "rank_pattern gives the module its rank");
	nn_lora_free(b);
	write_file(cfg, "{\"r\":2,\"lora_alpha\":8,\"target_modules\":[\"down_proj\"]}");
	b = nn_lora_load(m, p, err, sizeof err);
	T_OK(!b && strstr(err, "rank 2 need"), "a rank that disagrees with the config");
	nn_lora_free(b);
	nn_lora_free(a);
	free(base), free(unmerged), free(merged), free(again);
	nn_model_free(m);
}

static void expect_load_error(const nn_model *m, const char *sub, const char *want, const char *what)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, sub);
	err[0] = 0;
	nn_lora *a = nn_lora_load(m, p, err, sizeof err);
	if (!T_OK(!a && strstr(err, want), what))
		printf("#   got '%s'\n", err);
	nn_lora_free(a);
}

static void test_errors(void)
{
	nn_config c = tiny();
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	/* an adapter made for a wider model */
	nn_config c2 = c;
	c2.dim = 48;
	nn_model *wide = nn_model_new(&c2, &nn_cpu_ops, err, sizeof err);
	nn_lora *a = nn_lora_new(wide, 4, 8, 0, 1u << NN_Q, 1, 0.1f);
	char p[512], path[600];
	snprintf(p, sizeof p, "%s/wide", dir);
	nn_lora_save(wide, a, p, NULL, err, sizeof err);
	nn_lora_free(a);
	expect_load_error(m, "wide", "has shape [4, 48], the base model and rank 4 need [4, 32]",
			  "a shape mismatch");
	/* an adapter for a deeper model: layer 2 does not exist here */
	c2 = c;
	c2.n_layers = 3;
	nn_model *deep = nn_model_new(&c2, &nn_cpu_ops, err, sizeof err);
	a = nn_lora_new(deep, 4, 8, 0, 1u << NN_O, 1, 0.1f);
	snprintf(p, sizeof p, "%s/deep", dir);
	nn_lora_save(deep, a, p, NULL, err, sizeof err);
	nn_lora_free(a);
	expect_load_error(m, "deep", "'base_model.model.model.layers.2.self_attn.o_proj.lora_A.weight' "
			  "does not name", "a name mismatch");
	/* lora_A without lora_B; a module the config does not target; bad config */
	snprintf(p, sizeof p, "%s/half", dir);
	a = nn_lora_new(m, 2, 2, 0, 1u << NN_UP, 1, 0.1f);
	nn_lora_save(m, a, p, NULL, err, sizeof err);
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", p);
	st_writer *w = st_writer_new();
	int64_t sh[2] = { 2, 32 };
	st_writer_add(w, "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", ST_F32, 2, sh,
		      a->mods[NN_UP].A);
	st_writer_save(w, path, err, sizeof err);
	st_writer_free(w);
	expect_load_error(m, "half", "has lora_A but not lora_B", "an A without its B");
	snprintf(path, sizeof path, "%s/adapter_config.json", p);
	write_file(path, "{\"r\":2,\"lora_alpha\":2,\"target_modules\":[\"q_proj\"]}");
	nn_lora_save(m, a, p, NULL, err, sizeof err);
	write_file(path, "{\"r\":2,\"lora_alpha\":2,\"target_modules\":[\"q_proj\"]}");
	expect_load_error(m, "half", "target_modules does not name", "a module outside target_modules");
	write_file(path, "{\"r\":2,\"lora_alpha\":2,\"target_modules\":[\"up_proj\"],\"use_dora\":true}");
	expect_load_error(m, "half", "unsupported use_dora", "DoRA is refused");
	write_file(path, "{\"r\":2,\"lora_alpha\":2,\"target_modules\":[\"up_proj\"],"
		   "\"modules_to_save\":[\"lm_head\"]}");
	expect_load_error(m, "half", "modules_to_save", "modules_to_save is refused");
	write_file(path, "not json");
	expect_load_error(m, "half", "not a JSON object", "a broken adapter_config.json");
	expect_load_error(m, "nowhere", "cannot read", "a missing adapter");
	nn_lora_free(a);
	nn_model_free(deep);
	nn_model_free(wide);
	nn_model_free(m);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_lora.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_merge();
	test_errors();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
