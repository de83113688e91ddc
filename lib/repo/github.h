/* github.h — GitHub's repository search (REST v3) over libcurl.
 * Follows Link: rel="next" pagination and waits out rate limits (Retry-After,
 * or X-RateLimit-Remaining: 0 until X-RateLimit-Reset). */
#ifndef LS_GITHUB_H
#define LS_GITHUB_H
#include <stdio.h>

/* Search repositories matching query at api_url (https://api.github.com or
 * an Enterprise .../api/v3); write one repo-input JSON object per line to out
 * ({url, name, stars, forks, description, html_url, default_branch,
 * license_hint, pushed_at}); stop after max items (< 0: all). token may be
 * NULL. Returns the number of items, or -1 with a message in err. */
long gh_search(const char *api_url, const char *query, const char *token, long max, FILE *out,
	       char *err, size_t errsz);

#endif
