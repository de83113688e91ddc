/* endpoint.c — OpenAI-compatible chat/completions over libcurl (see endpoint.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "model/endpoint.h"
#include "rec/record.h"

struct ep_client {
	ep_opts o;
	CURL *curl;
	char *url;
};

typedef struct { char *p; size_t n; } buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	buf *b = ud;
	size_t k = size * nmemb;
	if (b->n + k > (64u << 20))	/* a reply this large is not a completion */
		return 0;
	char *np = realloc(b->p, b->n + k + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->n, ptr, k);
	b->n += k;
	b->p[b->n] = 0;
	return k;
}

/* Retry-After in seconds (the HTTP-date form is not used by these servers). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	size_t k = size * nmemb;
	if (k > 12 && !strncasecmp(ptr, "retry-after:", 12))
		*(double *)ud = atof(ptr + 12);
	return k;
}

ep_client *ep_client_new(const ep_opts *o)
{
	ep_client *c = calloc(1, sizeof *c);
	c->o = *o;
	c->curl = curl_easy_init();
	size_t n = strlen(o->url);
	const char *tail = "/chat/completions";
	if (n >= strlen(tail) && !strcmp(o->url + n - strlen(tail), tail))
		c->url = strdup(o->url);
	else if (asprintf(&c->url, "%.*s%s", (int)(n && o->url[n - 1] == '/' ? n - 1 : n), o->url, tail) < 0)
		c->url = NULL;
	return c;
}

void ep_client_free(ep_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->url);
	free(c);
}

void ep_result_free(ep_result *r)
{
	free(r->text);
	free(r->finish);
	memset(r, 0, sizeof *r);
}

static jv request_body(const ep_opts *o, jv messages)
{
	jv b = jv_object();
	b = jv_object_set(b, jv_string("model"), jv_string(o->model ? o->model : ""));
	b = jv_object_set(b, jv_string("messages"), messages);
	b = jv_object_set(b, jv_string("max_tokens"), jv_number(o->max_tokens));
	b = jv_object_set(b, jv_string("temperature"), jv_number(o->temperature));
	if (o->top_p >= 0)
		b = jv_object_set(b, jv_string("top_p"), jv_number(o->top_p));
	if (o->seed >= 0)
		b = jv_object_set(b, jv_string("seed"), jv_number(o->seed));
	if (o->n_stop) {
		jv s = jv_array();
		for (int i = 0; i < o->n_stop; i++)
			s = jv_array_append(s, jv_string(o->stop[i]));
		b = jv_object_set(b, jv_string("stop"), s);
	}
	return b;
}

/* The server's own words for an error: {"error": {"message": ...}} or the body. */
static void error_text(const buf *b, char *out, size_t n)
{
	jv j = b->p ? jv_parse_sized(b->p, (int)b->n) : jv_invalid();
	jv e = jv_get_kind(j) == JV_KIND_OBJECT ? jv_object_get(jv_copy(j), jv_string("error")) : jv_invalid();
	const char *msg = jv_get_kind(e) == JV_KIND_OBJECT ? rec_str(e, "message") :
			  jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e) : NULL;
	snprintf(out, n, "%.200s", msg ? msg : b->p ? b->p : "");
	jv_free(e);
	jv_free(j);
}

static int parse_reply(const buf *b, ep_result *r, char *err, size_t errsz)
{
	jv j = jv_parse_sized(b->p ? b->p : "", (int)b->n);
	int rc = -1;
	jv ch = jv_get_kind(j) == JV_KIND_OBJECT ? jv_object_get(jv_copy(j), jv_string("choices")) : jv_invalid();
	jv c0 = jv_get_kind(ch) == JV_KIND_ARRAY ? jv_array_get(jv_copy(ch), 0) : jv_invalid();
	jv msg = jv_get_kind(c0) == JV_KIND_OBJECT ? jv_object_get(jv_copy(c0), jv_string("message")) : jv_invalid();
	const char *content = jv_get_kind(msg) == JV_KIND_OBJECT ? rec_str(msg, "content") : NULL;
	if (!content) {
		snprintf(err, errsz, "reply without choices[0].message.content: %.120s", b->p ? b->p : "");
	} else {
		r->text = strdup(content);
		const char *fin = rec_str(c0, "finish_reason");
		r->finish = fin ? strdup(fin) : NULL;
		jv u = jv_object_get(jv_copy(j), jv_string("usage"));
		r->tokens_in = jv_get_kind(u) == JV_KIND_OBJECT ? (long)rec_num(u, "prompt_tokens", -1) : -1;
		r->tokens_out = jv_get_kind(u) == JV_KIND_OBJECT ? (long)rec_num(u, "completion_tokens", -1) : -1;
		jv_free(u);
		rc = 0;
	}
	jv_free(msg);
	jv_free(c0);
	jv_free(ch);
	jv_free(j);
	return rc;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };
	nanosleep(&ts, NULL);
}

int ep_chat(ep_client *c, jv messages, ep_result *r, char *err, size_t errsz)
{
	memset(r, 0, sizeof *r);
	r->tokens_in = r->tokens_out = -1;
	if (!c->curl || !c->url) {
		jv_free(messages);
		snprintf(err, errsz, "cannot start libcurl");
		return -1;
	}
	jv body = jv_dump_string(request_body(&c->o, messages), 0);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char auth[1024];
	if (c->o.api_key && *c->o.api_key) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->o.api_key);
		h = curl_slist_append(h, auth);
	}
	int rc = -1;
	for (int attempt = 0;; attempt++) {
		buf b = { 0 };
		double retry_after = -1;
		CURL *k = c->curl;
		curl_easy_reset(k);
		curl_easy_setopt(k, CURLOPT_URL, c->url);
		curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, jv_string_value(body));
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE, (long)jv_string_length_bytes(jv_copy(body)));
		curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(k, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(k, CURLOPT_HEADERDATA, &retry_after);
		curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, (long)(c->o.timeout_s * 1000));
		curl_easy_setopt(k, CURLOPT_USERAGENT, "lift-sys ls-infer");
		CURLcode cc = curl_easy_perform(k);
		long status = 0;
		curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &status);
		r->attempts = attempt + 1;
		int retry;
		if (cc != CURLE_OK) {
			snprintf(err, errsz, "%s: %s", c->url, curl_easy_strerror(cc));
			retry = 1;
		} else if (status == 200) {
			rc = parse_reply(&b, r, err, errsz);
			free(b.p);
			break;
		} else {
			char why[256];
			error_text(&b, why, sizeof why);
			snprintf(err, errsz, "%s: HTTP %ld: %s", c->url, status, why);
			retry = status == 408 || status == 409 || status == 429 || status >= 500;
		}
		free(b.p);
		if (!retry || attempt >= c->o.retries)
			break;
		double wait = c->o.backoff_s * pow(2, attempt);
		if (retry_after >= 0)
			wait = retry_after;
		sleep_s(wait > 30 ? 30 : wait);
	}
	curl_slist_free_all(h);
	jv_free(body);
	if (rc && r->attempts > 1) {
		size_t n = strlen(err);
		snprintf(err + n, errsz - n, " (after %d attempts)", r->attempts);
	}
	return rc;
}
