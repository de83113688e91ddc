/* models.c — see models.h. jv_object_foreach evaluates its object many times:
 * it is given a borrowed jv, never a jv_copy(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include "base/strbuf.h"
#include "model/models.h"
#include "rec/record.h"

void model_spec_free(model_spec *m)
{
	free(m->name), free(m->path), free(m->adapter), free(m->tokenizer), free(m->template_name);
	free(m->endpoint), free(m->model), free(m->key_env);
	memset(m, 0, sizeof *m);
}

/* A path from the file, taken from the file's directory when relative. */
static char *resolve(const char *file, const char *p)
{
	const char *slash = strrchr(file, '/');
	if (p[0] == '/' || !slash)
		return strdup(p);
	size_t n = (size_t)(slash - file) + 1 + strlen(p) + 1;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%.*s/%s", (int)(slash - file), file, p);
	return r;
}

static const char *const str_keys[] = { "path", "adapter", "tokenizer", "template", "endpoint", "model", "api_key_env" };
static const char *const bool_keys[] = { "merge", "no_think" };

/* The entry of one model into m; -1 with err for a key or a type the
 * format does not have. */
static int read_entry(const char *file, const char *name, jv e, model_spec *m, char *err, size_t errsz)
{
	if (jv_get_kind(e) != JV_KIND_OBJECT) {
		snprintf(err, errsz, "%s: model '%s' is not an object", file, name);
		return -1;
	}
	char **slot[] = { &m->path, &m->adapter, &m->tokenizer, &m->template_name, &m->endpoint, &m->model, &m->key_env };
	int *flag[] = { &m->merge, &m->no_think };
	int bad = 0;
	jv_object_foreach(e, k, v) {
		const char *key = jv_string_value(k);
		size_t i;
		if (!bad) {
			for (i = 0; i < sizeof str_keys / sizeof *str_keys && strcmp(key, str_keys[i]); i++)
				;
			if (i < sizeof str_keys / sizeof *str_keys) {
				if (jv_get_kind(v) != JV_KIND_STRING) {
					snprintf(err, errsz, "%s: model '%s': '%s' must be a string", file, name, key);
					bad = 1;
				} else
					/* paths are relative to the file; names and URLs are not */
					*slot[i] = i < 3 ? resolve(file, jv_string_value(v)) : strdup(jv_string_value(v));
			} else {
				for (i = 0; i < 2 && strcmp(key, bool_keys[i]); i++)
					;
				if (i == 2) {
					snprintf(err, errsz, "%s: model '%s': unknown key '%s'", file, name, key);
					bad = 1;
				} else if (jv_get_kind(v) != JV_KIND_TRUE && jv_get_kind(v) != JV_KIND_FALSE) {
					snprintf(err, errsz, "%s: model '%s': '%s' must be true or false", file, name, key);
					bad = 1;
				} else
					*flag[i] = jv_get_kind(v) == JV_KIND_TRUE;
			}
		}
		jv_free(k), jv_free(v);
	}
	if (bad)
		return -1;
	if (!m->path == !m->endpoint) {
		snprintf(err, errsz, "%s: model '%s' needs either 'path' (a local model) or 'endpoint'", file, name);
		return -1;
	}
	if (m->endpoint && !m->model) {
		snprintf(err, errsz, "%s: model '%s': an endpoint needs 'model' (the server's name for it)", file, name);
		return -1;
	}
	if (m->endpoint && (m->adapter || m->tokenizer || m->template_name || m->merge || m->no_think)) {
		snprintf(err, errsz, "%s: model '%s': 'adapter', 'merge', 'tokenizer', 'template' and 'no_think' "
			 "are for local models", file, name);
		return -1;
	}
	if (m->path && (m->model || m->key_env)) {
		snprintf(err, errsz, "%s: model '%s': 'model' and 'api_key_env' are for endpoints", file, name);
		return -1;
	}
	return 0;
}

int models_pick(const char *file, const char *name, int use_default, model_spec *m, int *status,
		char *err, size_t errsz)
{
	memset(m, 0, sizeof *m);
	int named = file != NULL;
	if (!file)
		file = getenv("LS_MODELS") && *getenv("LS_MODELS") ? getenv("LS_MODELS") : "models.json";
	if (!name && !use_default)
		return 0;
	sb text = { 0 };
	if (sb_read_file(&text, file) < 0) {
		int e = errno;
		free(text.b);
		if (!name && !named && e == ENOENT)
			return 0;	/* no file, nothing asked for: not an error */
		snprintf(err, errsz, "cannot read the models file '%s': %s", file, strerror(e));
		*status = 66;
		return -1;
	}
	jv doc = jv_parse_sized(text.b ? text.b : "", (int)text.n);
	free(text.b);
	*status = 65;
	if (!jv_is_valid(doc)) {
		jv msg = jv_invalid_get_msg(doc);
		snprintf(err, errsz, "%s: not JSON: %s", file,
			 jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "empty");
		jv_free(msg);
		return -1;
	}
	int rc = -1;
	jv models = jv_get_kind(doc) == JV_KIND_OBJECT ? jv_object_get(jv_copy(doc), jv_string("models")) : jv_invalid();
	jv dflt = jv_get_kind(doc) == JV_KIND_OBJECT ? jv_object_get(jv_copy(doc), jv_string("default")) : jv_invalid();
	int unknown = 0;
	if (jv_get_kind(doc) == JV_KIND_OBJECT) {
		jv_object_foreach(doc, k, v) {
			if (!unknown && strcmp(jv_string_value(k), "models") && strcmp(jv_string_value(k), "default")) {
				snprintf(err, errsz, "%s: unknown key '%s' (the file has \"default\" and \"models\")",
					 file, jv_string_value(k));
				unknown = 1;
			}
			jv_free(k), jv_free(v);
		}
	}
	if (unknown)
		goto out;
	if (jv_get_kind(models) != JV_KIND_OBJECT) {
		snprintf(err, errsz, "%s: no \"models\" object", file);
		goto out;
	}
	if (jv_get_kind(dflt) != JV_KIND_STRING && jv_get_kind(dflt) != JV_KIND_INVALID &&
	    jv_get_kind(dflt) != JV_KIND_NULL) {
		snprintf(err, errsz, "%s: \"default\" must be a model's name", file);
		goto out;
	}
	if (!name && jv_get_kind(dflt) != JV_KIND_STRING) {
		rc = 0;	/* no default set: the caller's own options decide */
		goto out;
	}
	const char *want = name ? name : jv_string_value(dflt);
	jv e = jv_object_get(jv_copy(models), jv_string(want));
	if (!jv_is_valid(e)) {
		jv_free(e);
		sb known = { 0 };
		jv_object_foreach(models, k, v) {
			sb_puts(&known, known.n ? ", " : "");
			sb_puts(&known, jv_string_value(k));
			jv_free(k), jv_free(v);
		}
		snprintf(err, errsz, "%s: unknown model '%s'%s (the file names: %s)", file, want,
			 name ? "" : " as the default", known.b ? known.b : "none");
		free(known.b);
		*status = name ? 64 : 65;
		goto out;
	}
	if (read_entry(file, want, e, m, err, errsz) < 0) {
		jv_free(e);
		model_spec_free(m);
		goto out;
	}
	jv_free(e);
	m->name = strdup(want);
	rc = 1;
out:
	jv_free(models), jv_free(dflt), jv_free(doc);
	return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

int models_probe(const char *url, double timeout_s, char *err, size_t errsz)
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errsz, "cannot start libcurl");
		return -1;
	}
	size_t n = strlen(url);
	char *u = malloc(n + 8);
	if (!u)
		abort();
	snprintf(u, n + 8, "%.*s/models", (int)(n && url[n - 1] == '/' ? n - 1 : n), url);
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
	free(u);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

int models_apply(const model_spec *m, infer_opts *io, char *err, size_t errsz)
{
	if (m->endpoint) {
		const char *var = m->key_env ? m->key_env : "OPENAI_API_KEY";
		const char *key = getenv(var);
		if (m->key_env && !key) {
			snprintf(err, errsz, "model '%s': the key variable '%s' is not set", m->name, var);
			return -1;
		}
		char perr[CURL_ERROR_SIZE + 64];
		if (models_probe(m->endpoint, io->timeout_s < 10 ? io->timeout_s : 10, perr, sizeof perr) < 0) {
			snprintf(err, errsz, "model '%s': endpoint '%s' cannot be reached: %s", m->name, m->endpoint, perr);
			return -1;
		}
		io->endpoint = m->endpoint;
		io->model = m->model;
		io->api_key = key;
		io->adapter = NULL;
	} else {
		io->model = m->path;
		io->adapter = m->adapter;
		io->merge |= m->merge;
		if (!io->tokenizer)
			io->tokenizer = m->tokenizer;
	}
	if (!io->template_name)
		io->template_name = m->template_name;
	io->no_think |= m->no_think;
	return 0;
}
