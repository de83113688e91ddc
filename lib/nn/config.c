/* nn/config.c — config.json in and out (see config.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jv.h>
#include "nn/config.h"
#include "nn/util.h"

const char *nn_arch_name(nn_arch a) { return a == NN_QWEN3 ? "qwen3" : "llama"; }

static int get_int(jv cfg, const char *key, int dflt, int *out, char *err, size_t errsz)
{
	jv v = jv_object_get(jv_copy(cfg), jv_string(key));
	int rc = 0;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double d = jv_number_value(v);
		if (d != floor(d) || d < -2147483648.0 || d > 2147483647.0) {
			nn_err(err, errsz, "config.json: '%s' is not an integer", key);
			rc = -1;
		} else
			*out = (int)d;
	} else if (jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) == JV_KIND_NULL) {
		if (dflt == INT32_MIN) {
			nn_err(err, errsz, "config.json: '%s' is missing", key);
			rc = -1;
		} else
			*out = dflt;
	} else {
		nn_err(err, errsz, "config.json: '%s' is not a number", key);
		rc = -1;
	}
	jv_free(v);
	return rc;
}

static float get_float(jv cfg, const char *key, float dflt)
{
	jv v = jv_object_get(jv_copy(cfg), jv_string(key));
	float f = jv_get_kind(v) == JV_KIND_NUMBER ? (float)jv_number_value(v) : dflt;
	jv_free(v);
	return f;
}

static int get_bool(jv cfg, const char *key, int dflt)
{
	jv v = jv_object_get(jv_copy(cfg), jv_string(key));
	int b = jv_get_kind(v) == JV_KIND_TRUE ? 1 : jv_get_kind(v) == JV_KIND_FALSE ? 0 : dflt;
	jv_free(v);
	return b;
}

/* eos_token_id: an integer or a list of them; appended to c->eos_ids. */
static void add_eos(nn_config *c, jv v)
{
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		int id = (int)jv_number_value(v);
		for (int i = 0; i < c->n_eos; i++)
			if (c->eos_ids[i] == id)
				goto out;
		if (c->n_eos < NN_MAX_EOS && id >= 0)
			c->eos_ids[c->n_eos++] = id;
	} else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		jv_array_foreach(v, i, x) {
			(void)i;
			add_eos(c, x);
		}
	}
out:
	jv_free(v);
}

int nn_config_parse(nn_config *c, const char *json, size_t len, char *err, size_t errsz)
{
	memset(c, 0, sizeof *c);
	jv cfg = jv_parse_sized(json, (int)len);
	if (jv_get_kind(cfg) != JV_KIND_OBJECT) {
		jv_free(cfg);
		nn_err(err, errsz, "config.json: not a JSON object");
		return -1;
	}
	int rc = -1;
	const char *mt = NULL;
	jv t = jv_object_get(jv_copy(cfg), jv_string("model_type"));
	if (jv_get_kind(t) == JV_KIND_STRING)
		mt = jv_string_value(t);
	if (mt && !strcmp(mt, "llama"))
		c->arch = NN_LLAMA;
	else if (mt && !strcmp(mt, "qwen3"))
		c->arch = NN_QWEN3;
	else {
		nn_err(err, errsz, "config.json: unsupported model_type '%s' (llama and qwen3 are supported)",
		       mt ? mt : "(none)");
		jv_free(t);
		goto out;
	}
	jv_free(t);
	c->qk_norm = c->arch == NN_QWEN3;
	if (get_int(cfg, "hidden_size", INT32_MIN, &c->dim, err, errsz) ||
	    get_int(cfg, "num_hidden_layers", INT32_MIN, &c->n_layers, err, errsz) ||
	    get_int(cfg, "num_attention_heads", INT32_MIN, &c->n_heads, err, errsz) ||
	    get_int(cfg, "num_key_value_heads", c->n_heads, &c->n_kv_heads, err, errsz) ||
	    get_int(cfg, "head_dim", c->n_heads > 0 ? c->dim / c->n_heads : 0, &c->head_dim, err, errsz) ||
	    get_int(cfg, "intermediate_size", INT32_MIN, &c->hidden_dim, err, errsz) ||
	    get_int(cfg, "vocab_size", INT32_MIN, &c->vocab_size, err, errsz) ||
	    get_int(cfg, "max_position_embeddings", 2048, &c->max_seq, err, errsz) ||
	    get_int(cfg, "bos_token_id", -1, &c->bos_id, err, errsz))
		goto out;
	c->rope_theta = get_float(cfg, "rope_theta", 10000.0f);
	c->norm_eps = get_float(cfg, "rms_norm_eps", 1e-6f);
	c->tied = get_bool(cfg, "tie_word_embeddings", 0);
	add_eos(c, jv_object_get(jv_copy(cfg), jv_string("eos_token_id")));

	/* what the forward pass does not implement is refused, not ignored */
	jv act = jv_object_get(jv_copy(cfg), jv_string("hidden_act"));
	int bad_act = jv_get_kind(act) == JV_KIND_STRING && strcmp(jv_string_value(act), "silu");
	jv_free(act);
	if (bad_act) {
		nn_err(err, errsz, "config.json: hidden_act must be 'silu'");
		goto out;
	}
	if (get_bool(cfg, "attention_bias", 0) || get_bool(cfg, "mlp_bias", 0)) {
		nn_err(err, errsz, "config.json: attention_bias/mlp_bias are not supported");
		goto out;
	}
	if (get_bool(cfg, "use_sliding_window", 0)) {
		nn_err(err, errsz, "config.json: use_sliding_window is not supported");
		goto out;
	}
	jv rs = jv_object_get(jv_copy(cfg), jv_string("rope_scaling"));
	if (jv_get_kind(rs) == JV_KIND_OBJECT) {
		jv ty = jv_object_get(jv_copy(rs), jv_string("rope_type"));
		if (jv_get_kind(ty) != JV_KIND_STRING)
			ty = (jv_free(ty), jv_object_get(jv_copy(rs), jv_string("type")));
		int ok = jv_get_kind(ty) == JV_KIND_STRING && !strcmp(jv_string_value(ty), "llama3");
		if (!ok) {
			nn_err(err, errsz, "config.json: rope_scaling type '%s' is not supported (llama3 is)",
			       jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : "?");
			jv_free(ty);
			jv_free(rs);
			goto out;
		}
		jv_free(ty);
		c->rope_factor = get_float(rs, "factor", 8.0f);
		c->rope_low_freq = get_float(rs, "low_freq_factor", 1.0f);
		c->rope_high_freq = get_float(rs, "high_freq_factor", 4.0f);
		c->rope_orig_max = (int)get_float(rs, "original_max_position_embeddings", 8192.0f);
	}
	jv_free(rs);
	rc = nn_config_check(c, err, errsz);
out:
	jv_free(cfg);
	return rc;
}

int nn_config_check(const nn_config *c, char *err, size_t errsz)
{
	if (c->dim <= 0 || c->n_layers <= 0 || c->n_heads <= 0 || c->n_kv_heads <= 0 ||
	    c->head_dim <= 0 || c->hidden_dim <= 0 || c->vocab_size <= 0 || c->max_seq <= 0) {
		nn_err(err, errsz, "config.json: sizes must be positive");
		return -1;
	}
	if (c->n_heads % c->n_kv_heads) {
		nn_err(err, errsz, "config.json: num_attention_heads (%d) is not a multiple of "
		       "num_key_value_heads (%d)", c->n_heads, c->n_kv_heads);
		return -1;
	}
	if (c->head_dim % 2) {
		nn_err(err, errsz, "config.json: head_dim must be even for rotary embeddings");
		return -1;
	}
	/* keep the parameter count within what one allocation can index */
	double n = (double)c->vocab_size * c->dim * 2 + (double)c->n_layers *
		   ((double)c->dim * c->head_dim * (2 * c->n_heads + 2 * c->n_kv_heads) +
		    3.0 * c->dim * c->hidden_dim);
	if (n > 4e10 || c->rope_theta <= 0 || !(c->norm_eps >= 0)) {
		nn_err(err, errsz, "config.json: implausible sizes");
		return -1;
	}
	return 0;
}

int nn_config_load(nn_config *c, const char *dir, char *err, size_t errsz)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof path, "%s/config.json", dir);
	char *text = nn_slurp(path, &len);
	if (!text) {
		nn_err(err, errsz, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	int rc = nn_config_parse(c, text, len, err, errsz);
	free(text);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/generation_config.json", dir);
	if ((text = nn_slurp(path, &len))) {
		jv g = jv_parse_sized(text, (int)len);
		if (jv_get_kind(g) == JV_KIND_OBJECT)
			add_eos(c, jv_object_get(jv_copy(g), jv_string("eos_token_id")));
		jv_free(g);
		free(text);
	}
	return 0;
}

char *nn_config_json(const nn_config *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	int q = c->arch == NN_QWEN3;
	fprintf(f, "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"%s\",\n",
		q ? "Qwen3ForCausalLM" : "LlamaForCausalLM", nn_arch_name(c->arch));
	fprintf(f, "  \"hidden_size\": %d,\n  \"num_hidden_layers\": %d,\n"
		"  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
		"  \"head_dim\": %d,\n  \"intermediate_size\": %d,\n  \"vocab_size\": %d,\n"
		"  \"max_position_embeddings\": %d,\n  \"rope_theta\": %.9g,\n"
		"  \"rms_norm_eps\": %.9g,\n  \"tie_word_embeddings\": %s,\n"
		"  \"hidden_act\": \"silu\",\n  \"attention_bias\": false,\n"
		"  \"torch_dtype\": \"float32\"",
		c->dim, c->n_layers, c->n_heads, c->n_kv_heads, c->head_dim, c->hidden_dim,
		c->vocab_size, c->max_seq, c->rope_theta, c->norm_eps, c->tied ? "true" : "false");
	if (c->bos_id >= 0)
		fprintf(f, ",\n  \"bos_token_id\": %d", c->bos_id);
	if (c->n_eos == 1)
		fprintf(f, ",\n  \"eos_token_id\": %d", c->eos_ids[0]);
	else if (c->n_eos > 1) {
		fprintf(f, ",\n  \"eos_token_id\": [");
		for (int i = 0; i < c->n_eos; i++)
			fprintf(f, "%s%d", i ? ", " : "", c->eos_ids[i]);
		fputc(']', f);
	}
	if (c->rope_factor > 0)
		fprintf(f, ",\n  \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": %.9g, "
			"\"low_freq_factor\": %.9g, \"high_freq_factor\": %.9g, "
			"\"original_max_position_embeddings\": %d}",
			c->rope_factor, c->rope_low_freq, c->rope_high_freq, c->rope_orig_max);
	fprintf(f, "\n}\n");
	fclose(f);
	return s;
}
