/* endpoint.h — an OpenAI-compatible chat/completions client over libcurl.
 *
 * POST {url}/chat/completions (or url itself when it already ends in
 * /chat/completions) with {"model", "messages", "max_tokens", "temperature",
 * "top_p", "seed", "stop"}; the API key, when set, goes in
 * "Authorization: Bearer KEY". Connection failures, timeouts, 408, 409, 429
 * and 5xx are retried with exponential backoff (base * 2^attempt, at most 30 s,
 * or the server's Retry-After when it gives one); other answers are final.
 * One ep_client per thread (it keeps its connection open); call
 * curl_global_init once in main first. */
#ifndef LS_ENDPOINT_H
#define LS_ENDPOINT_H
#include <stddef.h>
#include <jv.h>

typedef struct {
	const char *url;
	const char *model;
	const char *api_key;		/* NULL: no Authorization header */
	int max_tokens;
	double temperature, top_p;	/* top_p < 0: not sent */
	long seed;			/* < 0: not sent */
	const char *const *stop;
	int n_stop;
	int retries;			/* attempts after the first */
	double backoff_s;		/* the first wait */
	double timeout_s;		/* per request */
} ep_opts;

typedef struct {
	char *text;			/* choices[0].message.content */
	char *finish;			/* choices[0].finish_reason, or NULL */
	long tokens_in, tokens_out;	/* usage, -1 when the server does not say */
	int attempts;
} ep_result;

typedef struct ep_client ep_client;
ep_client *ep_client_new(const ep_opts *o);
void ep_client_free(ep_client *c);
/* One completion for messages (consumed). 0, or -1 with err set. */
int ep_chat(ep_client *c, jv messages, ep_result *r, char *err, size_t errsz);
void ep_result_free(ep_result *r);

#endif
