/* nn/lora.c — PEFT LoRA adapters: load, create, save, merge (see lora.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jv.h>
#include <pcre2.h>
#include "model/safetensors.h"
#include "nn/lora.h"
#include "nn/util.h"

#define PEFT_PREFIX "base_model.model."

/* Python's re semantics are close enough to PCRE2's for module-name patterns. */
static int re_match(const char *pattern, const char *subject, int full)
{
	char *pat = NULL;
	if (asprintf(&pat, full ? "^(?:%s)$" : "^(?:.*\\.)?(?:%s)$", pattern) < 0)
		return 0;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	free(pat);
	if (!re)
		return 0;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

/* rank_pattern / alpha_pattern: the first key equal to the module name, else
 * the first whose pattern matches its end after a dot (PEFT's get_pattern_key). */
static int pattern_value(jv patterns, const char *module, double *out)
{
	int found = 0;
	if (jv_get_kind(patterns) != JV_KIND_OBJECT)
		return 0;
	jv_object_foreach(patterns, k, v) {
		if (!found && jv_get_kind(v) == JV_KIND_NUMBER && !strcmp(jv_string_value(k), module))
			*out = jv_number_value(v), found = 2;
		jv_free(k);
		jv_free(v);
	}
	if (found)
		return 1;
	jv_object_foreach(patterns, k, v) {
		if (!found && jv_get_kind(v) == JV_KIND_NUMBER && re_match(jv_string_value(k), module, 0))
			*out = jv_number_value(v), found = 1;
		jv_free(k);
		jv_free(v);
	}
	return found;
}

/* target_modules: a list of names (a module matches its own name or a suffix
 * after a dot), "all-linear", or a string regex matched against the whole name. */
static int is_target(jv targets, const char *module)
{
	if (jv_get_kind(targets) == JV_KIND_STRING) {
		const char *s = jv_string_value(targets);
		return !strcmp(s, "all-linear") || re_match(s, module, 1);
	}
	if (jv_get_kind(targets) != JV_KIND_ARRAY)
		return 0;
	int hit = 0;
	size_t ml = strlen(module);
	jv_array_foreach(targets, i, t) {
		(void)i;
		if (jv_get_kind(t) == JV_KIND_STRING) {
			const char *s = jv_string_value(t);
			size_t sl = strlen(s);
			if (!strcmp(s, module) || (ml > sl && module[ml - sl - 1] == '.' &&
						   !strcmp(module + ml - sl, s)))
				hit = 1;
		}
		jv_free(t);
	}
	return hit;
}

/* "base_model.model.model.layers.3.mlp.up_proj.lora_A.weight" -> layer 3, NN_UP, 'A'.
 * Also accepts PEFT's in-memory form with an adapter name (".lora_A.default.weight"). */
static int parse_name(const nn_model *m, const char *name, int *layer, int *lin, char *ab,
		      char *module, size_t msz)
{
	if (strncmp(name, PEFT_PREFIX, strlen(PEFT_PREFIX)))
		return -1;
	const char *mod = name + strlen(PEFT_PREFIX);
	const char *la = strstr(mod, ".lora_A."), *lb = strstr(mod, ".lora_B.");
	const char *cut = la ? la : lb;
	if (!cut || (la && lb))
		return -1;
	const char *tail = cut + 8;
	if (strcmp(tail, "weight") && strcmp(tail, "default.weight"))
		return -1;
	*ab = la ? 'A' : 'B';
	size_t n = cut - mod;
	if (n >= msz)
		return -1;
	memcpy(module, mod, n);
	module[n] = 0;
	int l, off = 0;
	char parent[16], proj[16];
	if (sscanf(module, "model.layers.%d.%15[a-z_].%15[a-z_]%n", &l, parent, proj, &off) != 3 ||
	    module[off] || l < 0 || l >= m->c.n_layers)
		return -1;
	for (int k = 0; k < NN_NLIN; k++)
		if (!strcmp(proj, nn_linear_names[k]) && !strcmp(parent, nn_linear_parent[k])) {
			*layer = l;
			*lin = k;
			return 0;
		}
	return -1;
}

static double get_num(jv cfg, const char *key, double dflt)
{
	jv v = jv_object_get(jv_copy(cfg), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
	jv_free(v);
	return d;
}

static float lora_scale(float alpha, int r, int rslora)
{
	return rslora ? alpha / sqrtf((float)r) : alpha / (float)r;
}

void nn_lora_free(nn_lora *a)
{
	if (!a)
		return;
	if (a->params)
		a->ops->free(a->params);
	free(a->mods);
	free(a->base_model);
	free(a);
}

/* Lay out A and B of every module with r > 0 in one allocation. */
static int lora_alloc(const nn_model *m, nn_lora *a)
{
	size_t n = 0;
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		int o, in;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		n += (size_t)a->mods[i].r * (o + in);
	}
	a->n_params = n;
	a->params = a->ops->alloc((n ? n : 1) * sizeof(float));
	if (!a->params)
		return -1;
	float *p = a->params;
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		nn_lora_mod *x = &a->mods[i];
		int o, in;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		if (!x->r)
			continue;
		x->A = p, p += (size_t)x->r * in;
		x->B = p, p += (size_t)o * x->r;
		if (x->r > a->rmax)
			a->rmax = x->r;
		a->n_mods++;
	}
	return 0;
}

nn_lora *nn_lora_load(const nn_model *m, const char *dir, char *err, size_t errsz)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof path, "%s/adapter_config.json", dir);
	char *text = nn_slurp(path, &len);
	if (!text) {
		nn_err(err, errsz, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	jv cfg = jv_parse_sized(text, (int)len);
	free(text);
	if (jv_get_kind(cfg) != JV_KIND_OBJECT) {
		jv_free(cfg);
		nn_err(err, errsz, "%s: not a JSON object", path);
		return NULL;
	}
	nn_lora *a = calloc(1, sizeof *a);
	a->ops = m->ops;
	a->mods = calloc((size_t)m->c.n_layers * NN_NLIN, sizeof *a->mods);
	st_file *f = NULL;
	int rc = -1;
	unsigned char *have = calloc((size_t)m->c.n_layers * NN_NLIN, 1);	/* 1: A, 2: B */
	jv targets = jv_object_get(jv_copy(cfg), jv_string("target_modules"));
	jv rpat = jv_object_get(jv_copy(cfg), jv_string("rank_pattern"));
	jv apat = jv_object_get(jv_copy(cfg), jv_string("alpha_pattern"));
	jv bm = jv_object_get(jv_copy(cfg), jv_string("base_model_name_or_path"));
	if (jv_get_kind(bm) == JV_KIND_STRING)
		a->base_model = strdup(jv_string_value(bm));
	jv_free(bm);
	jv pt = jv_object_get(jv_copy(cfg), jv_string("peft_type"));
	int bad_type = jv_get_kind(pt) == JV_KIND_STRING && strcmp(jv_string_value(pt), "LORA");
	jv_free(pt);
	jv bias = jv_object_get(jv_copy(cfg), jv_string("bias"));
	int bad_bias = jv_get_kind(bias) == JV_KIND_STRING && strcmp(jv_string_value(bias), "none");
	jv_free(bias);
	jv mts = jv_object_get(jv_copy(cfg), jv_string("modules_to_save"));
	int bad_mts = jv_get_kind(mts) == JV_KIND_ARRAY && jv_array_length(jv_copy(mts)) > 0;
	jv_free(mts);
	a->r = (int)get_num(cfg, "r", 8);
	a->alpha = (float)get_num(cfg, "lora_alpha", 8);
	jv rs = jv_object_get(jv_copy(cfg), jv_string("use_rslora"));
	a->rslora = jv_get_kind(rs) == JV_KIND_TRUE;
	jv_free(rs);
	jv fio = jv_object_get(jv_copy(cfg), jv_string("fan_in_fan_out"));
	int bad_fio = jv_get_kind(fio) == JV_KIND_TRUE;
	jv_free(fio);
	jv dora = jv_object_get(jv_copy(cfg), jv_string("use_dora"));
	int bad_dora = jv_get_kind(dora) == JV_KIND_TRUE;
	jv_free(dora);
	if (bad_type || bad_bias || bad_mts || bad_fio || bad_dora) {
		nn_err(err, errsz, "%s: unsupported %s", path, bad_type ? "peft_type (LORA is supported)" :
		       bad_bias ? "bias (only \"none\")" : bad_mts ? "modules_to_save" :
		       bad_fio ? "fan_in_fan_out" : "use_dora");
		goto out;
	}
	if (a->r <= 0 || jv_get_kind(targets) == JV_KIND_INVALID || jv_get_kind(targets) == JV_KIND_NULL) {
		nn_err(err, errsz, "%s: needs r > 0 and target_modules", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	if (!(f = st_open(path, err, errsz)))
		goto out;
	/* first pass: names, ranks, shapes; second: copy the data */
	for (int i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		int l, k, o, in;
		char ab, module[160];
		if (parse_name(m, t->name, &l, &k, &ab, module, sizeof module)) {
			nn_err(err, errsz, "%s: tensor '%s' does not name a LoRA A/B matrix of a "
			       "linear layer in the base model", path, t->name);
			goto out;
		}
		if (!is_target(targets, module)) {
			nn_err(err, errsz, "%s: tensor '%s' is for module '%s', which target_modules "
			       "does not name", path, t->name, module);
			goto out;
		}
		nn_linear_shape(&m->c, k, &o, &in);
		nn_lora_mod *x = &a->mods[l * NN_NLIN + k];
		double r = a->r, alpha = a->alpha;
		pattern_value(rpat, module, &r);
		pattern_value(apat, module, &alpha);
		if (t->ndim != 2 || t->shape[ab == 'A' ? 1 : 0] != (ab == 'A' ? in : o) ||
		    t->shape[ab == 'A' ? 0 : 1] != (int64_t)r) {
			nn_err(err, errsz, "%s: tensor '%s' has shape [%lld, %lld], the base model and "
			       "rank %d need [%d, %d]", path, t->name,
			       (long long)t->shape[0], (long long)(t->ndim > 1 ? t->shape[1] : 0), (int)r,
			       ab == 'A' ? (int)r : o, ab == 'A' ? in : (int)r);
			goto out;
		}
		if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
			nn_err(err, errsz, "%s: tensor '%s' has dtype %s", path, t->name, st_dtype_name(t->dtype));
			goto out;
		}
		int bit = ab == 'A' ? 1 : 2;
		if (have[l * NN_NLIN + k] & bit) {
			nn_err(err, errsz, "%s: tensor '%s' given twice", path, t->name);
			goto out;
		}
		have[l * NN_NLIN + k] |= bit;
		x->r = (int)r;
		x->scale = lora_scale((float)alpha, (int)r, a->rslora);
	}
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++)
		if (have[i] && have[i] != 3) {
			nn_err(err, errsz, "%s: layer %d %s has lora_%s but not lora_%s", path,
			       i / NN_NLIN, nn_linear_names[i % NN_NLIN], have[i] == 1 ? "A" : "B",
			       have[i] == 1 ? "B" : "A");
			goto out;
		}
	if (lora_alloc(m, a)) {
		nn_err(err, errsz, "out of memory for the adapter");
		goto out;
	}
	if (!a->n_mods) {
		nn_err(err, errsz, "%s: no LoRA tensors", path);
		goto out;
	}
	float *host = NULL;
	for (int i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		int l, k;
		char ab, module[160];
		parse_name(m, t->name, &l, &k, &ab, module, sizeof module);
		nn_lora_mod *x = &a->mods[l * NN_NLIN + k];
		size_t n = st_numel(t);
		host = realloc(host, n * sizeof(float));
		st_to_f32(t, host);
		a->ops->upload(ab == 'A' ? x->A : x->B, host, n * sizeof(float));
	}
	free(host);
	rc = 0;
out:
	st_close(f);
	jv_free(targets);
	jv_free(rpat);
	jv_free(apat);
	jv_free(cfg);
	free(have);
	if (rc) {
		nn_lora_free(a);
		return NULL;
	}
	return a;
}

nn_lora *nn_lora_new(const nn_model *m, int r, float alpha, int rslora, unsigned targets,
		     uint64_t seed, float std)
{
	nn_lora *a = calloc(1, sizeof *a);
	a->ops = m->ops;
	a->r = r;
	a->alpha = alpha;
	a->rslora = rslora;
	a->mods = calloc((size_t)m->c.n_layers * NN_NLIN, sizeof *a->mods);
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++)
		if (targets & 1u << (i % NN_NLIN)) {
			a->mods[i].r = r;
			a->mods[i].scale = lora_scale(alpha, r, rslora);
		}
	if (lora_alloc(m, a)) {
		nn_lora_free(a);
		return NULL;
	}
	nn_rng g;
	nn_rng_seed(&g, seed);
	float *host = malloc(a->n_params * sizeof(float) + 1);
	for (size_t i = 0; i < a->n_params; i++)
		host[i] = 0;
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		nn_lora_mod *x = &a->mods[i];
		int o, in;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		float bound = 1.0f / sqrtf((float)in);	/* kaiming_uniform_(a=sqrt(5)): fan_in = in */
		if (x->A)
			for (size_t j = 0; j < (size_t)x->r * in; j++)
				host[x->A - a->params + j] = std > 0 ? std * nn_rng_normal(&g)
					: bound * (2 * nn_rng_float(&g) - 1);
	}
	a->ops->upload(a->params, host, a->n_params * sizeof(float));
	free(host);
	return a;
}

int nn_lora_save(const nn_model *m, const nn_lora *a, const char *dir, const char *base_model,
		 char *err, size_t errsz)
{
	if (nn_mkdirs(dir) < 0)
		return nn_err(err, errsz, "cannot create '%s': %s", dir, strerror(errno));
	char path[4096];
	/* which linears are adapted, and ranks that differ from the default */
	unsigned targets = 0;
	jv rpat = jv_object(), apat = jv_object();
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		const nn_lora_mod *x = &a->mods[i];
		if (!x->A)
			continue;
		targets |= 1u << (i % NN_NLIN);
		if (x->r != a->r) {
			char key[96];
			snprintf(key, sizeof key, "model.layers.%d.%s.%s", i / NN_NLIN,
				 nn_linear_parent[i % NN_NLIN], nn_linear_names[i % NN_NLIN]);
			rpat = jv_object_set(rpat, jv_string(key), jv_number(x->r));
		}
	}
	jv tl = jv_array();
	for (int k = 0; k < NN_NLIN; k++)
		if (targets & 1u << k)
			tl = jv_array_append(tl, jv_string(nn_linear_names[k]));
	jv cfg = jv_object();
	cfg = jv_object_set(cfg, jv_string("peft_type"), jv_string("LORA"));
	cfg = jv_object_set(cfg, jv_string("task_type"), jv_string("CAUSAL_LM"));
	cfg = jv_object_set(cfg, jv_string("base_model_name_or_path"),
			    base_model ? jv_string(base_model) : jv_null());
	cfg = jv_object_set(cfg, jv_string("r"), jv_number(a->r));
	cfg = jv_object_set(cfg, jv_string("lora_alpha"), jv_number(a->alpha));
	cfg = jv_object_set(cfg, jv_string("lora_dropout"), jv_number(0));
	cfg = jv_object_set(cfg, jv_string("use_rslora"), jv_bool(a->rslora));
	cfg = jv_object_set(cfg, jv_string("target_modules"), tl);
	cfg = jv_object_set(cfg, jv_string("rank_pattern"), rpat);
	cfg = jv_object_set(cfg, jv_string("alpha_pattern"), apat);
	cfg = jv_object_set(cfg, jv_string("bias"), jv_string("none"));
	cfg = jv_object_set(cfg, jv_string("fan_in_fan_out"), jv_false());
	cfg = jv_object_set(cfg, jv_string("inference_mode"), jv_true());
	cfg = jv_object_set(cfg, jv_string("modules_to_save"), jv_null());
	jv js = jv_dump_string(cfg, JV_PRINT_PRETTY | JV_PRINT_SORTED);
	snprintf(path, sizeof path, "%s/adapter_config.json", dir);
	FILE *f = fopen(path, "w");
	int bad = !f || fprintf(f, "%s\n", jv_string_value(js)) < 0;
	if (f && fclose(f) != 0)
		bad = 1;
	jv_free(js);
	if (bad)
		return nn_err(err, errsz, "cannot write '%s': %s", path, strerror(errno));

	float *host = a->params;
	if (!a->ops->host) {
		host = malloc(a->n_params * sizeof(float));
		a->ops->download(host, a->params, a->n_params * sizeof(float));
	}
	st_writer *w = st_writer_new();
	st_writer_meta(w, "format", "pt");
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		const nn_lora_mod *x = &a->mods[i];
		int o, in;
		if (!x->A)
			continue;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		char name[160];
		int64_t sa[2] = { x->r, in }, sb[2] = { o, x->r };
		snprintf(name, sizeof name, PEFT_PREFIX "model.layers.%d.%s.%s.lora_A.weight",
			 i / NN_NLIN, nn_linear_parent[i % NN_NLIN], nn_linear_names[i % NN_NLIN]);
		st_writer_add(w, name, ST_F32, 2, sa, host + (x->A - a->params));
		snprintf(name, sizeof name, PEFT_PREFIX "model.layers.%d.%s.%s.lora_B.weight",
			 i / NN_NLIN, nn_linear_parent[i % NN_NLIN], nn_linear_names[i % NN_NLIN]);
		st_writer_add(w, name, ST_F32, 2, sb, host + (x->B - a->params));
	}
	snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
	int rc = st_writer_save(w, path, err, errsz);
	st_writer_free(w);
	if (host != a->params)
		free(host);
	return rc;
}

void nn_lora_merge(nn_model *m, const nn_lora *a)
{
	for (int i = 0; i < m->c.n_layers * NN_NLIN; i++) {
		const nn_lora_mod *x = &a->mods[i];
		int o, in;
		if (!x->A)
			continue;
		nn_linear_shape(&m->c, i % NN_NLIN, &o, &in);
		m->ops->matmul_acc(m->layers[i / NN_NLIN].w[i % NN_NLIN], x->B, x->A, o, x->r, in, x->scale);
	}
}
