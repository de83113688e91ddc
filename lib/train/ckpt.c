/* train/ckpt.c — see ckpt.h. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jv.h>
#include "model/safetensors.h"
#include "nn/util.h"
#include "train/ckpt.h"

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const char *text, char *err, size_t errsz)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int bad = !f || fputs(text, f) == EOF;
	if (f && (fflush(f) || fsync(fileno(f)) || fclose(f)))
		bad = 1;
	if (bad || rename(tmp, path))
		return nn_err(err, errsz, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* the moments on the host, for a device backend */
static float *host_copy(const tr_optim *o, const float *x, float **tofree)
{
	*tofree = NULL;
	if (o->ops->host)
		return (float *)x;
	*tofree = malloc(o->n * sizeof(float));
	o->ops->download(*tofree, x, o->n * sizeof(float));
	return *tofree;
}

int tr_ckpt_save(const char *out, const nn_model *m, const nn_lora *a, const tr_optim *o,
		 const tr_pos *pos, const char *fingerprint, char *err, size_t errsz)
{
	char tmp[4096], dir[4096], path[4200];
	snprintf(tmp, sizeof tmp, "%s/.checkpoint-%d.tmp", out, pos->step);
	snprintf(dir, sizeof dir, "%s/checkpoint-%d", out, pos->step);
	rm_rf(tmp);
	if (nn_mkdirs(tmp))
		return nn_err(err, errsz, "cannot create '%s': %s", tmp, strerror(errno));
	int rc = a ? nn_lora_save(m, a, tmp, NULL, err, errsz) : nn_model_save(m, tmp, ST_F32, 0, err, errsz);
	if (rc)
		return rc;
	float *f1, *f2;
	const float *mh = host_copy(o, o->m, &f1), *vh = host_copy(o, o->v, &f2);
	int64_t shape[1] = { (int64_t)o->n };
	st_writer *w = st_writer_new();
	st_writer_add(w, "exp_avg", ST_F32, 1, shape, mh);
	st_writer_add(w, "exp_avg_sq", ST_F32, 1, shape, vh);
	snprintf(path, sizeof path, "%s/optimizer.safetensors", tmp);
	rc = st_writer_save(w, path, err, errsz);
	st_writer_free(w);
	free(f1), free(f2);
	if (rc)
		return rc;
	jv s = JV_OBJECT(jv_string("step"), jv_number(pos->step), jv_string("epoch"), jv_number(pos->epoch),
			 jv_string("micro"), jv_number(pos->micro), jv_string("tokens"), jv_number(pos->tokens),
			 jv_string("optimizer_steps"), jv_number(o->t),
			 jv_string("fingerprint"), jv_parse(fingerprint));
	jv js = jv_dump_string(s, JV_PRINT_PRETTY | JV_PRINT_SORTED);
	snprintf(path, sizeof path, "%s/trainer.json", tmp);
	rc = write_file(path, jv_string_value(js), err, errsz);
	jv_free(js);
	if (rc)
		return rc;
	rm_rf(dir);	/* a checkpoint of the same step from a run that was cut short */
	if (rename(tmp, dir))
		return nn_err(err, errsz, "cannot rename '%s': %s", tmp, strerror(errno));
	/* the previous checkpoint goes once latest names the new one */
	snprintf(path, sizeof path, "%s/latest", out);
	char *prev = nn_slurp(path, NULL);
	char name[64];
	snprintf(name, sizeof name, "checkpoint-%d\n", pos->step);
	if ((rc = write_file(path, name, err, errsz))) {
		free(prev);
		return rc;
	}
	if (prev) {
		prev[strcspn(prev, "\n")] = 0;
		if (strncmp(prev, "checkpoint-", 11) == 0 && strcmp(prev, name) && !strchr(prev, '/')) {
			snprintf(path, sizeof path, "%s/%s", out, prev);
			if (strcmp(path, dir))
				rm_rf(path);
		}
		free(prev);
	}
	return 0;
}

/* the first key whose value differs between two fingerprints, or NULL */
static char *first_difference(jv want, jv got)
{
	char *diff = NULL;
	jv_object_foreach(want, k, v) {
		jv g = jv_object_get(jv_copy(got), jv_copy(k));
		if (!diff && !jv_equal(jv_copy(v), jv_copy(g))) {
			jv a = jv_dump_string(jv_copy(v), 0), b = jv_dump_string(g, 0);
			if (asprintf(&diff, "'%s' is %s in the checkpoint, %s in this run",
				     jv_string_value(k), jv_string_value(b), jv_string_value(a)) < 0)
				diff = NULL;
			jv_free(a), jv_free(b);
		} else
			jv_free(g);
		jv_free(k), jv_free(v);
	}
	jv_free(want);
	jv_free(got);
	return diff;
}

int tr_ckpt_load(const char *dir, nn_model *m, nn_lora *a, tr_optim *o, tr_pos *pos,
		 const char *fingerprint, char *err, size_t errsz)
{
	char cdir[4096], path[4200];
	snprintf(path, sizeof path, "%s/latest", dir);
	char *latest = nn_slurp(path, NULL);
	if (latest) {
		latest[strcspn(latest, "\n")] = 0;
		snprintf(cdir, sizeof cdir, "%s/%s", dir, latest);
		free(latest);
	} else
		snprintf(cdir, sizeof cdir, "%s", dir);
	snprintf(path, sizeof path, "%s/trainer.json", cdir);
	size_t len;
	char *text = nn_slurp(path, &len);
	if (!text)
		return nn_err(err, errsz, "%s: no checkpoint (cannot read trainer.json: %s)", dir, strerror(errno));
	jv s = jv_parse_sized(text, (int)len);
	free(text);
	if (jv_get_kind(s) != JV_KIND_OBJECT) {
		jv_free(s);
		return nn_err(err, errsz, "%s: trainer.json is not a JSON object", cdir);
	}
	jv fp = jv_object_get(jv_copy(s), jv_string("fingerprint"));
	char *diff = first_difference(jv_parse(fingerprint), fp);
	if (diff) {
		nn_err(err, errsz, "%s: checkpoint from another run: %s", cdir, diff);
		free(diff);
		jv_free(s);
		return -1;
	}
	double v[5];
	const char *keys[5] = { "step", "epoch", "micro", "tokens", "optimizer_steps" };
	for (int i = 0; i < 5; i++) {
		jv x = jv_object_get(jv_copy(s), jv_string(keys[i]));
		v[i] = jv_get_kind(x) == JV_KIND_NUMBER ? jv_number_value(x) : -1;
		jv_free(x);
	}
	jv_free(s);
	if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[4] < 0)
		return nn_err(err, errsz, "%s: trainer.json lacks step, epoch, micro or optimizer_steps", cdir);
	*pos = (tr_pos){ (int)v[0], (int)v[1], (int)v[2], v[3] };
	o->t = (int)v[4];
	/* weights: loaded as a fresh model or adapter, then copied over ours */
	if (a) {
		nn_lora *b = nn_lora_load(m, cdir, err, errsz);
		if (!b)
			return -1;
		int same = b->n_params == a->n_params;
		if (same)
			m->ops->copy(a->params, b->params, a->n_params * sizeof(float));
		nn_lora_free(b);
		if (!same)
			return nn_err(err, errsz, "%s: the adapter's shape differs from this run's", cdir);
	} else {
		nn_model *b = nn_model_load(cdir, m->ops, err, errsz);
		if (!b)
			return -1;
		int same = b->n_params == m->n_params;
		if (same)
			m->ops->copy(m->params, b->params, m->n_params * sizeof(float));
		nn_model_free(b);
		if (!same)
			return nn_err(err, errsz, "%s: the model's shape differs from this run's", cdir);
	}
	snprintf(path, sizeof path, "%s/optimizer.safetensors", cdir);
	st_file *f = st_open(path, err, errsz);
	if (!f)
		return -1;
	int rc = 0;
	float *h = malloc(o->n * sizeof(float) + 1);
	const char *names[2] = { "exp_avg", "exp_avg_sq" };
	float *dst[2] = { o->m, o->v };
	for (int i = 0; i < 2 && !rc; i++) {
		const st_tensor *t = st_find(f, names[i]);
		if (!t || t->dtype != ST_F32 || st_numel(t) != (int64_t)o->n)
			rc = nn_err(err, errsz, "%s: '%s' missing or not F32 [%zu]", path, names[i], o->n);
		else {
			st_to_f32(t, h);
			o->ops->upload(dst[i], h, o->n * sizeof(float));
		}
	}
	free(h);
	st_close(f);
	return rc;
}
