/* jqexpr.h — a jq expression compiled once, evaluated per record.
 *
 * For flags that take a jq path or filter (--by, --balance-by, --where):
 *
 *	char err[256];
 *	jqx *x = jqx_compile(".repo.name", err, sizeof err);	// NULL: err says why
 *	jv v = jqx_first(x, jv_copy(rec));	// first output, or invalid (see below)
 *	jqx_free(x);
 *
 * A jq_state is not thread-safe: compile one jqx per thread (in worker_init)
 * and use it from that thread only. jqx_first consumes its input, as every jv
 * function does, and returns a new reference.
 */
#ifndef LS_JQEXPR_H
#define LS_JQEXPR_H
#include <stddef.h>
#include <jv.h>

typedef struct jqx jqx;

/* Compile expr. On a syntax error returns NULL and writes jq's message,
 * lowercase and on one line, into err (when errsz > 0). */
jqx *jqx_compile(const char *expr, char *err, size_t errsz);
void jqx_free(jqx *x);
const char *jqx_source(const jqx *x);

/* The first output of the expression on input (consumed). When the expression
 * produces nothing, returns jv_invalid() (no message); when it raises an error
 * before its first output, jv_invalid_with_msg(the error message). The rest of
 * the outputs are not computed. */
jv jqx_first(jqx *x, jv input);

/* For filters: 1 when the first output is neither false nor null, 0 when it is
 * (or there is none), -1 on an error, whose message goes to *msg when msg is
 * not NULL (free() it). Consumes input. */
int jqx_test(jqx *x, jv input, char **msg);

/* A value as a grouping key: a string is itself, anything else is its compact
 * JSON with sorted keys; null and invalid values give NULL (no key). Consumes v;
 * free() the result. */
char *jqx_key(jv v);

#endif
