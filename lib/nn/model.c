/* nn/model.c — weights in one allocation, loading and saving them, the forward pass. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jv.h>
#include "model/safetensors.h"
#include "nn/lora.h"
#include "nn/model.h"
#include "nn/util.h"

const char *const nn_linear_names[NN_NLIN] = {
	"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
};
const char *const nn_linear_parent[NN_NLIN] = {
	"self_attn", "self_attn", "self_attn", "self_attn", "mlp", "mlp", "mlp",
};

void nn_linear_shape(const nn_config *c, nn_linear which, int *out, int *in)
{
	int D = c->dim, F = c->hidden_dim, q = c->n_heads * c->head_dim, kv = c->n_kv_heads * c->head_dim;
	switch (which) {
	case NN_Q: *out = q, *in = D; break;
	case NN_K: case NN_V: *out = kv, *in = D; break;
	case NN_O: *out = D, *in = q; break;
	case NN_GATE: case NN_UP: *out = F, *in = D; break;
	default: *out = D, *in = F; break;
	}
}

/* ---- the parameter layout ------------------------------------------------ */

/* Append one tensor view at *p and advance *p past it. */
static void add(nn_tensor *t, int *n, float **p, float **view, int ndim, int64_t d0, int64_t d1,
		const char *name)
{
	nn_tensor *x = &t[(*n)++];
	snprintf(x->name, sizeof x->name, "%s", name);
	x->ndim = ndim;
	x->shape[0] = d0;
	x->shape[1] = d1;
	x->data = *p;
	*view = *p;
	*p += d0 * (ndim > 1 ? d1 : 1);
}

static int n_tensors(const nn_config *c)
{
	return 1 + c->n_layers * (2 + NN_NLIN + 2 * !!c->qk_norm) + 1 + !c->tied;
}

static size_t count_params(const nn_config *c)
{
	size_t n = (size_t)c->vocab_size * c->dim * (1 + !c->tied) + c->dim;
	for (int k = 0; k < NN_NLIN; k++) {
		int o, i;
		nn_linear_shape(c, k, &o, &i);
		n += (size_t)c->n_layers * o * i;
	}
	return n + (size_t)c->n_layers * (2 * c->dim + 2 * c->head_dim * !!c->qk_norm);
}

/* The parameter layout, in Hugging Face's order: sets every view of m into
 * m->params and fills t[n_tensors]. Returns the number of floats. */
static size_t layout(nn_model *m, nn_tensor *t)
{
	const nn_config *c = &m->c;
	int n = 0;
	float *p = m->params;
	char name[96];
	add(t, &n, &p, &m->embed, 2, c->vocab_size, c->dim, "model.embed_tokens.weight");
	for (int l = 0; l < c->n_layers; l++) {
		nn_layer *L = &m->layers[l];
		snprintf(name, sizeof name, "model.layers.%d.input_layernorm.weight", l);
		add(t, &n, &p, &L->attn_norm, 1, c->dim, 0, name);
		for (int k = 0; k < NN_NLIN; k++) {
			int o, i;
			nn_linear_shape(c, k, &o, &i);
			if (k == NN_GATE) {
				snprintf(name, sizeof name, "model.layers.%d.post_attention_layernorm.weight", l);
				add(t, &n, &p, &L->mlp_norm, 1, c->dim, 0, name);
			}
			snprintf(name, sizeof name, "model.layers.%d.%s.%s.weight", l,
				 nn_linear_parent[k], nn_linear_names[k]);
			add(t, &n, &p, &L->w[k], 2, o, i, name);
			if (k == NN_K && c->qk_norm) {	/* Qwen3: per-head norms of q and k */
				snprintf(name, sizeof name, "model.layers.%d.self_attn.q_norm.weight", l);
				add(t, &n, &p, &L->q_norm, 1, c->head_dim, 0, name);
				snprintf(name, sizeof name, "model.layers.%d.self_attn.k_norm.weight", l);
				add(t, &n, &p, &L->k_norm, 1, c->head_dim, 0, name);
			}
		}
	}
	add(t, &n, &p, &m->final_norm, 1, c->dim, 0, "model.norm.weight");
	if (!c->tied)
		add(t, &n, &p, &m->lm_head, 2, c->vocab_size, c->dim, "lm_head.weight");
	else
		m->lm_head = m->embed;
	return p - m->params;
}

nn_tensor *nn_model_tensors(const nn_model *m, int *n)
{
	*n = n_tensors(&m->c);
	nn_tensor *t = calloc(*n, sizeof *t);
	nn_model tmp = *m;	/* layout() sets views: let it set a copy's */
	tmp.layers = calloc(m->c.n_layers, sizeof *tmp.layers);
	layout(&tmp, t);
	free(tmp.layers);
	return t;
}

static void rope_freqs(nn_model *m)
{
	const nn_config *c = &m->c;
	int half = c->head_dim / 2;
	for (int i = 0; i < half; i++) {
		float f = 1.0f / powf(c->rope_theta, (float)(2 * i) / c->head_dim);
		if (c->rope_factor > 0) {	/* Llama 3.1's frequency-dependent scaling */
			float lo = c->rope_orig_max / c->rope_low_freq;
			float hi = c->rope_orig_max / c->rope_high_freq;
			float wl = 2.0f * (float)M_PI / f;
			if (wl > lo)
				f /= c->rope_factor;
			else if (wl >= hi) {
				float sm = (c->rope_orig_max / wl - c->rope_low_freq) /
					   (c->rope_high_freq - c->rope_low_freq);
				f = (1 - sm) * f / c->rope_factor + sm * f;
			}
		}
		m->inv_freq[i] = f;
	}
}

nn_model *nn_model_new(const nn_config *c, const nn_ops *ops, char *err, size_t errsz)
{
	if (nn_config_check(c, err, errsz))
		return NULL;
	nn_model *m = calloc(1, sizeof *m);
	m->c = *c;
	m->ops = ops;
	m->layers = calloc(c->n_layers, sizeof *m->layers);
	nn_tensor *t = calloc(n_tensors(c), sizeof *t);
	m->n_params = count_params(c);
	m->params = ops->alloc(m->n_params * sizeof(float));
	m->inv_freq = calloc(c->head_dim / 2, sizeof(float));
	if (!m->params) {
		free(t);
		nn_err(err, errsz, "out of memory for %zu parameters", m->n_params);
		nn_model_free(m);
		return NULL;
	}
	size_t n = layout(m, t);
	free(t);
	if (n != m->n_params)
		abort();	/* the two descriptions of the layout disagree */
	rope_freqs(m);
	return m;
}

void nn_model_free(nn_model *m)
{
	if (!m)
		return;
	if (m->params)
		m->ops->free(m->params);
	free(m->layers);
	free(m->inv_freq);
	free(m);
}

void nn_model_init_random(nn_model *m, uint64_t seed, float std)
{
	nn_rng r;
	nn_rng_seed(&r, seed);
	int n;
	nn_tensor *t = nn_model_tensors(m, &n);
	/* drawn on the host in tensor order, then uploaded: the same weights on every backend */
	float *host = m->ops->host ? m->params : malloc(m->n_params * sizeof(float));
	for (int i = 0; i < n; i++) {
		size_t k = t[i].shape[0] * (t[i].ndim > 1 ? t[i].shape[1] : 1);
		float *d = host + (t[i].data - m->params);
		for (size_t j = 0; j < k; j++)
			d[j] = t[i].ndim == 1 ? 1.0f + 0.1f * nn_rng_normal(&r) : std * nn_rng_normal(&r);
	}
	if (host != m->params) {
		m->ops->upload(m->params, host, m->n_params * sizeof(float));
		free(host);
	}
	free(t);
}

/* ---- loading --------------------------------------------------------------- */

#define MAX_SHARDS 256

typedef struct { st_file *f[MAX_SHARDS]; int n; } shards;

static int open_shards(shards *sh, const char *dir, char *err, size_t errsz)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!(sh->f[0] = st_open(path, err, errsz)))
			return -1;
		sh->n = 1;
		return 0;
	}
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
	size_t len;
	char *text = nn_slurp(path, &len);
	if (!text)
		return nn_err(err, errsz, "%s: no model.safetensors nor model.safetensors.index.json", dir);
	jv idx = jv_parse_sized(text, (int)len);
	free(text);
	jv wm = jv_get_kind(idx) == JV_KIND_OBJECT ? jv_object_get(jv_copy(idx), jv_string("weight_map"))
						   : jv_invalid();
	jv_free(idx);
	if (jv_get_kind(wm) != JV_KIND_OBJECT) {
		jv_free(wm);
		return nn_err(err, errsz, "%s: no weight_map object", path);
	}
	/* each distinct file once, in the order they first appear */
	char *names[MAX_SHARDS];
	int rc = 0;
	jv_object_foreach(wm, k, v) {
		jv_free(k);
		if (rc || jv_get_kind(v) != JV_KIND_STRING) {
			if (!rc)
				rc = nn_err(err, errsz, "%s: weight_map values must be file names", path);
			jv_free(v);
			continue;
		}
		const char *fn = jv_string_value(v);
		int seen = 0;
		for (int i = 0; i < sh->n && !seen; i++)
			seen = !strcmp(names[i], fn);
		if (!seen && (strchr(fn, '/') || sh->n == MAX_SHARDS))
			rc = nn_err(err, errsz, "%s: bad shard name '%s'", path, fn);
		else if (!seen) {
			snprintf(path, sizeof path, "%s/%s", dir, fn);
			names[sh->n] = strdup(fn);
			if (!(sh->f[sh->n++] = st_open(path, err, errsz)))
				rc = -1;
		}
		jv_free(v);
	}
	for (int i = 0; i < sh->n; i++)
		free(names[i]);
	jv_free(wm);
	return rc;
}

static const st_tensor *shards_find(const shards *sh, const char *name)
{
	for (int i = 0; i < sh->n; i++) {
		const st_tensor *t = sh->f[i] ? st_find(sh->f[i], name) : NULL;
		if (t)
			return t;
	}
	return NULL;
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *s)
{
	size_t k = snprintf(buf, n, "[");
	for (int i = 0; i < ndim && k < n; i++)
		k += snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)s[i]);
	if (k < n)
		snprintf(buf + k, n - k, "]");
}

nn_model *nn_model_load(const char *dir, const nn_ops *ops, char *err, size_t errsz)
{
	nn_config c;
	if (nn_config_load(&c, dir, err, errsz))
		return NULL;
	nn_model *m = nn_model_new(&c, ops, err, errsz);
	if (!m)
		return NULL;
	shards sh = { .n = 0 };
	int rc = open_shards(&sh, dir, err, errsz), n = 0;
	nn_tensor *t = rc ? NULL : nn_model_tensors(m, &n);
	float *host = ops->host ? NULL : malloc(1);
	for (int i = 0; i < n && !rc; i++) {
		const st_tensor *s = shards_find(&sh, t[i].name);
		char want[64], got[64];
		if (!s) {
			rc = nn_err(err, errsz, "%s: tensor '%s' is missing", dir, t[i].name);
			break;
		}
		shape_str(want, sizeof want, t[i].ndim, t[i].shape);
		shape_str(got, sizeof got, s->ndim, s->shape);
		if (strcmp(want, got)) {
			rc = nn_err(err, errsz, "%s: tensor '%s' has shape %s, config.json says %s",
				    dir, t[i].name, got, want);
			break;
		}
		size_t k = st_numel(s);
		float *dst = t[i].data;
		if (host)	/* another backend: convert on the host, then upload */
			dst = host = realloc(host, k * sizeof(float));
		if (st_to_f32(s, dst)) {
			rc = nn_err(err, errsz, "%s: tensor '%s' has dtype %s (F32, F16 and BF16 are supported)",
				    dir, t[i].name, st_dtype_name(s->dtype));
			break;
		}
		if (host)
			ops->upload(t[i].data, host, k * sizeof(float));
	}
	/* a tensor we would not use means a feature we do not implement */
	for (int f = 0; f < sh.n && !rc; f++)
		for (int j = 0; j < sh.f[f]->ntensors && !rc; j++) {
			const char *name = sh.f[f]->tensors[j].name;
			int known = strstr(name, "rotary_emb.inv_freq") != NULL ||
				    (c.tied && !strcmp(name, "lm_head.weight"));
			for (int i = 0; i < n && !known; i++)
				known = !strcmp(t[i].name, name);
			if (!known)
				rc = nn_err(err, errsz, "%s: unexpected tensor '%s' (not part of a %s model "
					    "as config.json describes it)", dir, name, nn_arch_name(c.arch));
		}
	free(host);
	free(t);
	for (int i = 0; i < sh.n; i++)
		st_close(sh.f[i]);
	if (rc) {
		nn_model_free(m);
		return NULL;
	}
	return m;
}

/* ---- saving ------------------------------------------------------------------ */

static int write_text(const char *path, const char *text, char *err, size_t errsz)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0)
		return nn_err(err, errsz, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int nn_model_save(const nn_model *m, const char *dir, int dtype, size_t shard_bytes,
		  char *err, size_t errsz)
{
	if (dtype != ST_F32 && dtype != ST_F16 && dtype != ST_BF16)
		return nn_err(err, errsz, "can only save F32, F16 or BF16");
	if (nn_mkdirs(dir) < 0)
		return nn_err(err, errsz, "cannot create '%s': %s", dir, strerror(errno));
	char path[4096];
	snprintf(path, sizeof path, "%s/config.json", dir);
	char *cj = nn_config_json(&m->c);
	int rc = write_text(path, cj, err, errsz);
	free(cj);
	if (rc)
		return rc;
	int n;
	nn_tensor *t = nn_model_tensors(m, &n);
	size_t esz = st_dtype_size(dtype), total = 0;
	for (int i = 0; i < n; i++)
		total += t[i].shape[0] * (t[i].ndim > 1 ? t[i].shape[1] : 1) * esz;
	/* host copy of the weights when they live elsewhere */
	float *host = m->params;
	if (!m->ops->host) {
		host = malloc(m->n_params * sizeof(float));
		m->ops->download(host, m->params, m->n_params * sizeof(float));
	}
	/* greedy shards: a new file when the next tensor would pass shard_bytes */
	int nshards = 1, *shard_of = calloc((size_t)n + 1, sizeof(int));
	size_t acc = 0;
	for (int i = 0; i < n; i++) {
		size_t b = t[i].shape[0] * (t[i].ndim > 1 ? t[i].shape[1] : 1) * esz;
		if (shard_bytes && acc && acc + b > shard_bytes)
			nshards++, acc = 0;
		acc += b;
		shard_of[i] = nshards - 1;
	}
	FILE *idx = NULL;
	char *idxs = NULL;
	size_t idxn = 0;
	if (nshards > 1) {
		idx = open_memstream(&idxs, &idxn);
		fprintf(idx, "{\n  \"metadata\": {\"total_size\": %zu},\n  \"weight_map\": {", total);
	}
	for (int s = 0; s < nshards && !rc; s++) {
		st_writer *w = st_writer_new();
		st_writer_meta(w, "format", "pt");
		char fn[128];
		if (nshards > 1)
			snprintf(fn, sizeof fn, "model-%05d-of-%05d.safetensors", s + 1, nshards);
		else
			snprintf(fn, sizeof fn, "model.safetensors");
		for (int i = 0; i < n; i++)
			if (shard_of[i] == s) {
				st_writer_add(w, t[i].name, dtype, t[i].ndim, t[i].shape,
					      host + (t[i].data - m->params));
				if (idx)
					fprintf(idx, "%s\n    \"%s\": \"%s\"", i ? "," : "", t[i].name, fn);
			}
		snprintf(path, sizeof path, "%s/%s", dir, fn);
		rc = st_writer_save(w, path, err, errsz);
		st_writer_free(w);
	}
	if (idx) {
		fprintf(idx, "\n  }\n}\n");
		fclose(idx);
		snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
		if (!rc)
			rc = write_text(path, idxs, err, errsz);
		free(idxs);
	}
	if (host != m->params)
		free(host);
	free(shard_of);
	free(t);
	return rc;
}

/* ---- state: KV cache and scratch -------------------------------------------- */

static int reserve_cache(const nn_model *m, nn_state *s, int need);

nn_state *nn_state_new(const nn_model *m, int cap)
{
	nn_state *s = calloc(1, sizeof *s);
	s->k = calloc(m->c.n_layers, sizeof *s->k);
	s->v = calloc(m->c.n_layers, sizeof *s->v);
	if (cap > 0 && reserve_cache(m, s, cap)) {
		nn_state_free(m, s);
		return NULL;
	}
	return s;
}

void nn_state_reset(nn_state *s) { s->pos = 0; }

static void free_scratch(const nn_model *m, nn_state *s)
{
	float **bufs[] = { &s->x, &s->xn, &s->q, &s->att, &s->kk, &s->vv, &s->h1, &s->h2 };
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
		if (*bufs[i])
			m->ops->free(*bufs[i]);
		*bufs[i] = NULL;
	}
	free(s->ids);
	s->ids = NULL;
	s->scratch_T = 0;
}

void nn_state_free(const nn_model *m, nn_state *s)
{
	if (!s)
		return;
	for (int l = 0; l < m->c.n_layers; l++) {
		if (s->k[l])
			m->ops->free(s->k[l]);
		if (s->v[l])
			m->ops->free(s->v[l]);
	}
	free(s->k);
	free(s->v);
	free_scratch(m, s);
	if (s->lora_tmp)
		m->ops->free(s->lora_tmp);
	free(s);
}

/* Room for `need` cached positions: grow by doubling, keep what is cached. */
static int reserve_cache(const nn_model *m, nn_state *s, int need)
{
	if (need <= s->cap)
		return 0;
	int cap = s->cap ? s->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > m->c.max_seq)
		cap = m->c.max_seq;
	size_t row = (size_t)m->c.n_kv_heads * m->c.head_dim * sizeof(float);
	for (int l = 0; l < m->c.n_layers; l++) {
		float *k = m->ops->alloc(cap * row), *v = m->ops->alloc(cap * row);
		if (!k || !v) {	/* layers before l have grown: harmless, cap stays */
			if (k)
				m->ops->free(k);
			if (v)
				m->ops->free(v);
			return -1;
		}
		if (s->pos) {
			m->ops->copy(k, s->k[l], s->pos * row);
			m->ops->copy(v, s->v[l], s->pos * row);
		}
		if (s->k[l])
			m->ops->free(s->k[l]), m->ops->free(s->v[l]);
		s->k[l] = k, s->v[l] = v;
	}
	s->cap = cap;
	return 0;
}

static int reserve_scratch(const nn_model *m, nn_state *s, int T)
{
	const nn_config *c = &m->c;
	if (T > s->scratch_T) {
		free_scratch(m, s);
		size_t D = c->dim, Q = (size_t)c->n_heads * c->head_dim,
		       KV = (size_t)c->n_kv_heads * c->head_dim, F = c->hidden_dim;
		struct { float **p; size_t n; } b[] = {
			{ &s->x, D }, { &s->xn, D }, { &s->q, Q }, { &s->att, Q },
			{ &s->kk, KV }, { &s->vv, KV }, { &s->h1, F }, { &s->h2, F },
		};
		for (size_t i = 0; i < sizeof b / sizeof *b; i++)
			if (!(*b[i].p = m->ops->alloc(T * b[i].n * sizeof(float))))
				return -1;
		s->ids = malloc(T * sizeof(int));
		s->scratch_T = T;
	}
	int r = m->lora ? m->lora->rmax : 0;
	if (r && T * r > s->lora_cap) {
		if (s->lora_tmp)
			m->ops->free(s->lora_tmp);
		if (!(s->lora_tmp = m->ops->alloc((size_t)T * r * sizeof(float))))
			return -1;
		s->lora_cap = T * r;
	}
	return 0;
}

/* ---- forward ---------------------------------------------------------------- */

/* out[T, N] = in[T, K] @ W^T (+ out when beta is 1), plus the unmerged LoRA
 * update scale * (in @ A^T) @ B^T when the adapter covers this linear. */
static void linear(const nn_model *m, nn_state *s, int l, nn_linear k, float *out,
		   const float *in, int T, float beta)
{
	int N, K;
	nn_linear_shape(&m->c, k, &N, &K);
	m->ops->matmul(out, in, m->layers[l].w[k], T, K, N, 1.0f, beta);
	if (m->lora) {
		const nn_lora_mod *a = &m->lora->mods[l * NN_NLIN + k];
		if (a->A) {
			m->ops->matmul(s->lora_tmp, in, a->A, T, K, a->r, 1.0f, 0.0f);	/* [T, r] */
			m->ops->matmul(out, s->lora_tmp, a->B, T, a->r, N, a->scale, 1.0f);
		}
	}
}

/* One decoder block on s->x[T, D], in place:
 *	x = x + o_proj(attention(rope(norm(q(norm(x)))), rope(norm(k(..))), v(..)))
 *	x = x + down(silu(gate(norm(x))) * up(norm(x)))
 */
static void block(const nn_model *m, nn_state *s, int l, int T)
{
	const nn_config *c = &m->c;
	const nn_layer *L = &m->layers[l];
	const nn_ops *op = m->ops;
	int H = c->n_heads, KV = c->n_kv_heads, hd = c->head_dim, pos0 = s->pos;
	size_t kvrow = (size_t)KV * hd;

	op->rmsnorm(s->xn, s->x, L->attn_norm, T, c->dim, c->norm_eps);	/* [T, D] */
	linear(m, s, l, NN_Q, s->q, s->xn, T, 0);			/* [T, H*hd] */
	linear(m, s, l, NN_K, s->kk, s->xn, T, 0);			/* [T, KV*hd] */
	linear(m, s, l, NN_V, s->vv, s->xn, T, 0);			/* [T, KV*hd] */
	if (c->qk_norm) {	/* Qwen3: RMSNorm over each head's hd values */
		op->rmsnorm(s->q, s->q, L->q_norm, T * H, hd, c->norm_eps);
		op->rmsnorm(s->kk, s->kk, L->k_norm, T * KV, hd, c->norm_eps);
	}
	op->rope(s->q, T, H, hd, NULL, pos0, m->inv_freq);
	op->rope(s->kk, T, KV, hd, NULL, pos0, m->inv_freq);
	/* append this call's keys and values: cache rows pos0..pos0+T-1 */
	float *kc = s->k[l], *vc = s->v[l];
	op->copy(kc + pos0 * kvrow, s->kk, T * kvrow * sizeof(float));
	op->copy(vc + pos0 * kvrow, s->vv, T * kvrow * sizeof(float));
	op->attention(s->att, s->q, kc, vc, T, pos0, H, KV, hd);	/* [T, H*hd] */
	linear(m, s, l, NN_O, s->x, s->att, T, 1.0f);			/* x += [T, D] */

	op->rmsnorm(s->xn, s->x, L->mlp_norm, T, c->dim, c->norm_eps);
	linear(m, s, l, NN_GATE, s->h1, s->xn, T, 0);			/* [T, F] */
	linear(m, s, l, NN_UP, s->h2, s->xn, T, 0);			/* [T, F] */
	op->swiglu(s->h1, s->h2, (size_t)T * c->hidden_dim);
	linear(m, s, l, NN_DOWN, s->x, s->h1, T, 1.0f);			/* x += [T, D] */
}

int nn_forward(const nn_model *m, nn_state *s, const int32_t *tokens, int T, float *logits,
	       int all_logits, char *err, size_t errsz)
{
	const nn_config *c = &m->c;
	if (T <= 0)
		return nn_err(err, errsz, "no tokens");
	if (s->pos + T > c->max_seq)
		return nn_err(err, errsz, "sequence of %d tokens is longer than the model's "
			      "max_position_embeddings (%d)", s->pos + T, c->max_seq);
	if (reserve_cache(m, s, s->pos + T) || reserve_scratch(m, s, T))
		return nn_err(err, errsz, "out of memory for %d tokens", s->pos + T);
	for (int t = 0; t < T; t++) {
		if (tokens[t] < 0 || tokens[t] >= c->vocab_size)
			return nn_err(err, errsz, "token id %d out of range (vocab_size %d)",
				      tokens[t], c->vocab_size);
		s->ids[t] = tokens[t];
	}
	m->ops->embed(s->x, m->embed, s->ids, T, c->dim);		/* [T, D] */
	for (int l = 0; l < c->n_layers; l++)
		block(m, s, l, T);
	s->pos += T;
	if (!logits)
		return 0;
	/* final norm and the output head: every row, or only the last */
	const float *x = all_logits ? s->x : s->x + (size_t)(T - 1) * c->dim;
	int R = all_logits ? T : 1;
	m->ops->rmsnorm(s->xn, x, m->final_norm, R, c->dim, c->norm_eps);
	/* logits is host memory: another backend computes on the device and downloads */
	int host = m->ops->host;
	float *out = host ? logits : m->ops->alloc((size_t)R * c->vocab_size * sizeof(float));
	if (!out)
		return nn_err(err, errsz, "out of memory for logits");
	m->ops->matmul(out, s->xn, m->lm_head, R, c->dim, c->vocab_size, 1.0f, 0.0f);	/* [R, V] */
	if (!host) {
		m->ops->download(logits, out, (size_t)R * c->vocab_size * sizeof(float));
		m->ops->free(out);
	}
	return 0;
}
