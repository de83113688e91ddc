/* github.c — see github.h. */
#include "repo/github.h"

#include <curl/curl.h>
#include <jv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "rec/record.h"

typedef struct {
	char *body;
	size_t n;
	char next[2048];
	long remaining, reset, retry_after;
} response;

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
	response *r = ud;
	size_t n = sz * nm;
	char *b = realloc(r->body, r->n + n + 1);
	if (!b)
		return 0;
	memcpy(b + r->n, p, n);
	r->body = b;
	r->n += n;
	b[r->n] = 0;
	return n;
}

/* Link: <https://...&page=2>; rel="next", <...>; rel="last" */
static void parse_link(response *r, const char *v, size_t n)
{
	const char *end = v + n;
	while (v < end) {
		const char *lt = memchr(v, '<', (size_t)(end - v));
		if (!lt)
			return;
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			return;
		const char *comma = memchr(gt, ',', (size_t)(end - gt));
		const char *stop = comma ? comma : end;
		if (memmem(gt, (size_t)(stop - gt), "rel=\"next\"", 10) && (size_t)(gt - lt - 1) < sizeof r->next) {
			memcpy(r->next, lt + 1, (size_t)(gt - lt - 1));
			r->next[gt - lt - 1] = 0;
		}
		v = stop + (comma ? 1 : 0);
	}
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
	response *r = ud;
	size_t n = sz * nm;
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return n;
	size_t kl = (size_t)(colon - p);
	const char *v = colon + 1;
	while (v < p + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vl = (size_t)(p + n - v);
	char num[32];
	snprintf(num, sizeof num, "%.*s", (int)(vl < 31 ? vl : 31), v);
	if (kl == 4 && !strncasecmp(p, "link", 4))
		parse_link(r, v, vl);
	else if (kl == 21 && !strncasecmp(p, "x-ratelimit-remaining", 21))
		r->remaining = atol(num);
	else if (kl == 17 && !strncasecmp(p, "x-ratelimit-reset", 17))
		r->reset = atol(num);
	else if (kl == 11 && !strncasecmp(p, "retry-after", 11))
		r->retry_after = atol(num);
	return n;
}

static jv field(jv item, const char *k)
{
	return jv_object_get(jv_copy(item), jv_string(k));
}

static jv or_null(jv v)
{
	return jv_is_valid(v) ? v : (jv_free(v), jv_null());
}

long gh_search(const char *api_url, const char *query, const char *token, long max, FILE *out,
	       char *err, size_t errsz)
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errsz, "cannot start libcurl");
		return -1;
	}
	char *q = curl_easy_escape(c, query, 0);
	char url[4096];
	snprintf(url, sizeof url, "%s/search/repositories?q=%s&per_page=100", api_url, q);
	curl_free(q);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Accept: application/vnd.github+json");
	h = curl_slist_append(h, "X-GitHub-Api-Version: 2022-11-28");
	h = curl_slist_append(h, "User-Agent: lift-sys-ls-repos");
	if (token && *token) {
		char auth[512];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	long count = 0, rc = -1;
	int waits = 0;
	while (url[0] && (max < 0 || count < max)) {
		response r = { .remaining = -1, .reset = 0, .retry_after = -1 };
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		CURLcode cc = curl_easy_perform(c);
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (cc != CURLE_OK) {
			snprintf(err, errsz, "cannot reach '%s': %s", url, curl_easy_strerror(cc));
			free(r.body);
			goto out;
		}
		if ((status == 403 || status == 429) && (r.retry_after >= 0 || r.remaining == 0) && waits < 10) {
			long wait = r.retry_after >= 0 ? r.retry_after : r.reset - (long)time(NULL) + 1;
			if (wait < 1)
				wait = 1;
			if (wait > 3600) {
				snprintf(err, errsz, "rate limited for %ld s; giving up (set GITHUB_TOKEN)", wait);
				free(r.body);
				goto out;
			}
			ls_warn("GitHub rate limit reached; waiting %ld s", wait);
			sleep((unsigned)wait);
			waits++;
			free(r.body);
			continue;	/* the same page again */
		}
		if (status != 200) {
			snprintf(err, errsz, "GitHub answered %ld for '%s'", status, url);
			free(r.body);
			goto out;
		}
		jv doc = jv_parse_sized(r.body ? r.body : "", (int)r.n);
		free(r.body);
		jv items = field(doc, "items");
		jv_free(doc);
		if (jv_get_kind(items) != JV_KIND_ARRAY) {
			jv_free(items);
			snprintf(err, errsz, "unexpected answer from '%s' (no items)", url);
			goto out;
		}
		jv_array_foreach(items, i, it) {
			if (max >= 0 && count >= max) {
				jv_free(it);
				continue;
			}
			jv lic = field(it, "license");
			jv spdx = jv_get_kind(lic) == JV_KIND_OBJECT ? or_null(field(lic, "spdx_id")) : jv_null();
			jv_free(lic);
			jv rec = jv_object();
			rec = jv_object_set(rec, jv_string("url"), or_null(field(it, "clone_url")));
			rec = jv_object_set(rec, jv_string("name"), or_null(field(it, "full_name")));
			rec = jv_object_set(rec, jv_string("stars"), or_null(field(it, "stargazers_count")));
			rec = jv_object_set(rec, jv_string("forks"), or_null(field(it, "forks_count")));
			rec = jv_object_set(rec, jv_string("description"), or_null(field(it, "description")));
			rec = jv_object_set(rec, jv_string("html_url"), or_null(field(it, "html_url")));
			rec = jv_object_set(rec, jv_string("default_branch"), or_null(field(it, "default_branch")));
			rec = jv_object_set(rec, jv_string("license_hint"), spdx);
			rec = jv_object_set(rec, jv_string("pushed_at"), or_null(field(it, "pushed_at")));
			jv_free(it);
			if (rec_write(out, rec) < 0) {
				snprintf(err, errsz, "cannot write search results");
				jv_free(items);
				goto out;
			}
			count++;
		}
		jv_free(items);
		snprintf(url, sizeof url, "%s", r.next);	/* empty: the last page */
	}
	rc = count;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}
