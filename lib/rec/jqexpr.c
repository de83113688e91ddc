/* jqexpr.c — see jqexpr.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jq.h>
#include "rec/jqexpr.h"

struct jqx {
	jq_state *jq;
	char *source;
	char *err;		/* compile messages, collected by on_error */
	size_t errlen;
};

/* jq reports compile errors through this callback (default: stderr); keep the
 * first message so the caller can put it in its own diagnostic. */
static void on_error(void *data, jv msg)
{
	struct jqx *x = data;
	if (x->err) {
		jv_free(msg);
		return;
	}
	jv text = jv_get_kind(msg) == JV_KIND_STRING ? msg : jv_dump_string(msg, 0);
	x->err = strdup(jv_string_value(text));
	jv_free(text);
}

jqx *jqx_compile(const char *expr, char *err, size_t errsz)
{
	struct jqx *x = calloc(1, sizeof *x);
	if (!x || !(x->jq = jq_init()) || !(x->source = strdup(expr))) {
		if (errsz)
			snprintf(err, errsz, "out of memory");
		jqx_free(x);
		return NULL;
	}
	jq_set_error_cb(x->jq, on_error, x);
	if (!jq_compile(x->jq, expr)) {	/* 1 on success */
		if (errsz) {
			const char *m = x->err ? x->err : "cannot compile";
			/* jq's messages span lines ("jq: error: ...\n<top-level>...")
			 * and end in a count of errors: keep the first line. */
			if (!strncmp(m, "jq: error: ", 11))
				m += 11;
			snprintf(err, errsz, "%.*s", (int)strcspn(m, "\n"), m);
		}
		jqx_free(x);
		return NULL;
	}
	free(x->err);
	x->err = NULL;
	return x;
}

void jqx_free(jqx *x)
{
	if (!x)
		return;
	if (x->jq)
		jq_teardown(&x->jq);
	free(x->source);
	free(x->err);
	free(x);
}

const char *jqx_source(const jqx *x)
{
	return x->source;
}

jv jqx_first(jqx *x, jv input)
{
	jq_start(x->jq, input, 0);
	jv out = jq_next(x->jq);
	/* The next jq_start (or jq_teardown) resets the machine and frees what
	 * the unfinished run still holds. */
	if (jv_is_valid(out) || !jv_invalid_has_msg(jv_copy(out)))
		return out;
	jv msg = jv_invalid_get_msg(out);
	if (jv_get_kind(msg) != JV_KIND_STRING)
		msg = jv_dump_string(msg, 0);	/* error({...}) raises any value */
	return jv_invalid_with_msg(msg);
}

int jqx_test(jqx *x, jv input, char **msg)
{
	jv v = jqx_first(x, input);
	if (!jv_is_valid(v)) {
		if (!jv_invalid_has_msg(jv_copy(v))) {
			jv_free(v);
			return 0;
		}
		if (msg) {
			jv m = jv_invalid_get_msg(v);
			*msg = strdup(jv_string_value(m));
			jv_free(m);
		} else
			jv_free(v);
		return -1;
	}
	jv_kind k = jv_get_kind(v);
	jv_free(v);
	return k != JV_KIND_NULL && k != JV_KIND_FALSE;
}

char *jqx_key(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		jv_free(v);
		return NULL;
	case JV_KIND_STRING: {
		char *s = strdup(jv_string_value(v));
		jv_free(v);
		return s;
	}
	default: {
		jv d = jv_dump_string(v, JV_PRINT_SORTED);
		char *s = strdup(jv_string_value(d));
		jv_free(d);
		return s;
	}
	}
}
