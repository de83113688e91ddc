/* chat.h — a record's prompt as messages, and messages as a model's prompt text.
 *
 * One rule for ls-infer and ls-train, so a model is prompted the way it was
 * trained. The messages of a record, from --input-field FIELD or else the
 * first of these that is present:
 *	messages     [{role, content}, ...] (ls-split's chat format); a last
 *	             assistant message is the reference answer and is left out
 *	instruction  (+ input) ls-split's instruction format: the instruction is
 *	             the system message and the input the user message (as in
 *	             ls-split's chat format); without an input the instruction is
 *	             the user message
 *	prompt, text a string: one user message
 * A FIELD (a dotted path) may name a string or a messages array.
 *
 * Templates: CHAT_CHATML is Qwen's
 *	<|im_start|>system\n...<|im_end|>\n<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n
 * CHAT_RAW joins the message contents with blank lines (for base models). */
#ifndef LS_CHAT_H
#define LS_CHAT_H
#include <stddef.h>
#include <jv.h>

typedef enum { CHAT_RAW, CHAT_CHATML } chat_template;

typedef struct {
	char *role, *content;
} chat_msg;

/* The record's messages (not consuming rec); system, when given, comes first
 * unless the record has its own. Returns the count (>= 1) and *out, or -1
 * with a message in err. */
int chat_messages(jv rec, const char *field, const char *system, chat_msg **out,
		  char *err, size_t errsz);
void chat_free(chat_msg *m, int n);
/* The prompt text (malloc'd). With a generation prompt, chatml ends with the
 * assistant header; no_think adds Qwen3's empty <think></think> block. */
char *chat_render(chat_template tpl, const chat_msg *m, int n, int no_think);
/* [{role, content}, ...] for an OpenAI-compatible endpoint. */
jv chat_json(const chat_msg *m, int n);
int chat_template_parse(const char *s);	/* "raw", "chatml"; -1 otherwise */

#endif
