/* test_chat.c — records to messages to prompt text (lib/model/chat.h). */
#include <stdlib.h>
#include <string.h>
#include <jv.h>
#include "t.h"
#include "model/chat.h"

static char err[256];

/* the prompt text of a record, or "ERR: message" */
static char *render(const char *json, const char *field, const char *system, int tpl)
{
	jv rec = jv_parse(json);
	chat_msg *m;
	int n = chat_messages(rec, field, system, &m, err, sizeof err);
	jv_free(rec);
	if (n < 0) {
		char *s;
		if (asprintf(&s, "ERR: %s", err) < 0)
			return NULL;
		return s;
	}
	char *s = chat_render(tpl, m, n, 0);
	chat_free(m, n);
	return s;
}

static void check(const char *json, const char *field, const char *system, int tpl,
		  const char *want, const char *what)
{
	char *got = render(json, field, system, tpl);
	T_EQ_STR(got, want, what);
	free(got);
}

int main(void)
{
	check("{\"prompt\":\"hi\"}", NULL, NULL, CHAT_CHATML,
	      "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "prompt, chatml");
	check("{\"prompt\":\"hi\"}", NULL, NULL, CHAT_RAW, "hi", "prompt, raw");
	check("{\"text\":\"t\"}", NULL, "be brief", CHAT_CHATML,
	      "<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nt<|im_end|>\n<|im_start|>assistant\n",
	      "text with --system");
	check("{\"instruction\":\"Do X.\",\"input\":\"data\",\"output\":\"ref\"}", NULL, NULL, CHAT_CHATML,
	      "<|im_start|>system\nDo X.<|im_end|>\n<|im_start|>user\ndata<|im_end|>\n<|im_start|>assistant\n",
	      "instruction + input: system + user, output left out");
	check("{\"instruction\":\"Do X.\",\"input\":\"\"}", NULL, "sys", CHAT_RAW, "sys\n\nDo X.",
	      "instruction without input is the user message; raw joins with blank lines");
	check("{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"U\"},"
	      "{\"role\":\"assistant\",\"content\":\"A\"}]}", NULL, "ignored", CHAT_CHATML,
	      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
	      "messages: the last assistant turn is the answer; the record's system wins");
	check("{\"messages\":[{\"role\":\"user\",\"content\":\"U1\"},{\"role\":\"assistant\",\"content\":\"A1\"},"
	      "{\"role\":\"user\",\"content\":\"U2\"}]}", NULL, NULL, CHAT_CHATML,
	      "<|im_start|>user\nU1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nU2<|im_end|>\n"
	      "<|im_start|>assistant\n", "a multi-turn conversation keeps earlier answers");
	check("{\"q\":{\"body\":\"deep\"},\"prompt\":\"no\"}", "q.body", NULL, CHAT_RAW, "deep",
	      "--input-field is a dotted path and wins");
	check("{\"conv\":[{\"role\":\"user\",\"content\":\"c\"}]}", "conv", NULL, CHAT_RAW, "c",
	      "--input-field naming a messages array");
	check("{\"id\":1}", NULL, NULL, CHAT_RAW,
	      "ERR: no prompt: the record has none of 'messages', 'instruction', 'prompt', 'text' "
	      "(choose one with --input-field)", "no prompt");
	check("{\"a\":1}", "b", NULL, CHAT_RAW, "ERR: no 'b' field", "a missing --input-field");
	check("{\"a\":1}", "a", NULL, CHAT_RAW, "ERR: 'a' is neither a string nor a messages array",
	      "a number is not a prompt");
	check("{\"messages\":[{\"role\":\"user\"}]}", NULL, NULL, CHAT_RAW,
	      "ERR: messages[0] needs string 'role' and 'content'", "a message without content");
	chat_msg m = { "user", "q" };
	char *s = chat_render(CHAT_CHATML, &m, 1, 1);
	T_EQ_STR(s, "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
		 "--no-think adds Qwen3's empty think block");
	free(s);
	jv j = chat_json(&m, 1);
	jv d = jv_dump_string(j, 0);
	T_EQ_STR(jv_string_value(d), "[{\"role\":\"user\",\"content\":\"q\"}]", "messages as JSON");
	jv_free(d);
	T_EQ_INT(chat_template_parse("chatml"), CHAT_CHATML, "template names");
	T_EQ_INT(chat_template_parse("llama2"), -1, "unknown template");
	return t_done();
}
