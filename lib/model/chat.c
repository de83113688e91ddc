/* chat.c — record -> messages -> prompt text (see chat.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/chat.h"
#include "rec/record.h"

int chat_template_parse(const char *s)
{
	return !strcmp(s, "raw") ? CHAT_RAW : !strcmp(s, "chatml") ? CHAT_CHATML : -1;
}

void chat_free(chat_msg *m, int n)
{
	for (int i = 0; i < n; i++)
		free(m[i].role), free(m[i].content);
	free(m);
}

static void push(chat_msg **m, int *n, const char *role, const char *content)
{
	*m = realloc(*m, (*n + 1) * sizeof **m);
	(*m)[*n].role = strdup(role);
	(*m)[*n].content = strdup(content);
	(*n)++;
}

/* messages from a jv array of {role, content}; consumes arr */
static int from_array(jv arr, chat_msg **m, int *n, char *err, size_t errsz)
{
	int rc = 0, len = jv_array_length(jv_copy(arr));
	jv_array_foreach(arr, i, x) {
		const char *role = jv_get_kind(x) == JV_KIND_OBJECT ? rec_str(x, "role") : NULL;
		const char *content = role ? rec_str(x, "content") : NULL;
		if (!rc && (!role || !content)) {
			snprintf(err, errsz, "messages[%d] needs string 'role' and 'content'", i);
			rc = -1;
		} else if (!rc && !(i == len - 1 && !strcmp(role, "assistant") && i > 0))
			push(m, n, role, content);	/* a last assistant turn is the answer */
		jv_free(x);
	}
	jv_free(arr);
	return rc;
}

int chat_messages(jv rec, const char *field, const char *system, chat_msg **out,
		  char *err, size_t errsz)
{
	chat_msg *m = NULL;
	int n = 0, rc = 0;
	jv v = jv_invalid();
	if (field) {
		v = rec_path(rec, field);
		if (jv_get_kind(v) == JV_KIND_NULL) {
			snprintf(err, errsz, "no '%s' field", field);
			rc = -1;
		}
	} else if (jv_get_kind(v = jv_object_get(jv_copy(rec), jv_string("messages"))) == JV_KIND_ARRAY) {
		;
	} else if (rec_str(rec, "instruction")) {
		const char *ins = rec_str(rec, "instruction"), *in = rec_str(rec, "input");
		if (in && *in) {
			push(&m, &n, "system", ins);
			push(&m, &n, "user", in);
		} else
			push(&m, &n, "user", ins);
	} else {
		jv_free(v);
		v = jv_object_get(jv_copy(rec), jv_string(rec_str(rec, "prompt") ? "prompt" : "text"));
		if (jv_get_kind(v) != JV_KIND_STRING) {
			snprintf(err, errsz, "no prompt: the record has none of 'messages', 'instruction', "
				 "'prompt', 'text' (choose one with --input-field)");
			rc = -1;
		}
	}
	if (rc == 0 && jv_get_kind(v) == JV_KIND_STRING)
		push(&m, &n, "user", jv_string_value(v));
	else if (rc == 0 && jv_get_kind(v) == JV_KIND_ARRAY)
		rc = from_array(jv_copy(v), &m, &n, err, errsz);
	else if (rc == 0 && !n) {
		snprintf(err, errsz, "'%s' is neither a string nor a messages array", field ? field : "messages");
		rc = -1;
	}
	jv_free(v);
	if (rc == 0 && n == 0) {
		snprintf(err, errsz, "no messages");
		rc = -1;
	}
	if (rc == 0 && system && strcmp(m[0].role, "system")) {	/* prepend --system */
		m = realloc(m, (n + 1) * sizeof *m);
		memmove(m + 1, m, n * sizeof *m);
		m[0].role = strdup("system");
		m[0].content = strdup(system);
		n++;
	}
	if (rc) {
		chat_free(m, n);
		return -1;
	}
	*out = m;
	return n;
}

char *chat_render(chat_template tpl, const chat_msg *m, int n, int no_think)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	for (int i = 0; i < n; i++) {
		if (tpl == CHAT_CHATML)
			fprintf(f, "<|im_start|>%s\n%s<|im_end|>\n", m[i].role, m[i].content);
		else
			fprintf(f, "%s%s", i ? "\n\n" : "", m[i].content);
	}
	if (tpl == CHAT_CHATML) {
		fputs("<|im_start|>assistant\n", f);
		if (no_think)
			fputs("<think>\n\n</think>\n\n", f);
	}
	fclose(f);
	return s;
}

jv chat_json(const chat_msg *m, int n)
{
	jv a = jv_array();
	for (int i = 0; i < n; i++)
		a = jv_array_append(a, JV_OBJECT(jv_string("role"), jv_string(m[i].role),
						 jv_string("content"), jv_string(m[i].content)));
	return a;
}
