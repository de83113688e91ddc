/* Unit tests for lib/instruct: the instruction and chat shapes for both tasks. */
#include <stdlib.h>
#include "t.h"
#include "dataset/instruct.h"

static char *fmt(instruct_format f, instruct_task t, instruct_input in, const char *instr, const char *rec)
{
	instruct_opts o = { f, t, in, instr };
	jv v = instruct_make(&o, jv_parse(rec));
	char *s;
	if (!jv_is_valid(v)) {
		jv m = jv_invalid_get_msg(v);
		if (asprintf(&s, "<%s>", jv_string_value(m)) < 0)
			s = NULL;
		jv_free(m);
		return s;
	}
	jv d = jv_dump_string(v, 0);
	s = strdup(jv_string_value(d));
	jv_free(d);
	return s;
}

#define FMT(f, t, in, instr, rec, want, what) do { \
	char *s_ = fmt(f, t, in, instr, rec); T_EQ_STR(s_, want, what); free(s_); } while (0)

int main(void)
{
	const char *rec = "{\"id\":\"fn-1\",\"split\":\"val\",\"prompt\":\"Add two numbers.\","
		"\"code\":\"def add(a, b):\\n    return a + b\\n\",\"repo\":{\"name\":\"r\"},"
		"\"ir\":{\"signature\":{\"name\":\"add\"},\"intent\":{\"summary\":\"add two numbers\"},"
		"\"quality\":{\"score\":0.5}}}";
	T_EQ_INT(instruct_format_parse("chat"), INSTRUCT_CHAT, "format names");
	T_EQ_INT(instruct_format_parse("alpaca"), -1, "unknown format");
	T_EQ_INT(instruct_task_parse("code"), INSTRUCT_TASK_CODE, "task names");
	T_EQ_INT(instruct_input_parse("ir"), INSTRUCT_FROM_IR, "input names");

	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_IR, INSTRUCT_FROM_PROMPT, "I",  rec,
	    "{\"id\":\"fn-1\",\"split\":\"val\",\"task\":\"ir\",\"instruction\":\"I\","
	    "\"input\":\"Add two numbers.\",\"output\":"
	    "\"{\\\"intent\\\":{\\\"summary\\\":\\\"add two numbers\\\"},\\\"signature\\\":{\\\"name\\\":\\\"add\\\"}}\"}",
	    "instruction, ir: sorted compact IR without quality");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_CODE, INSTRUCT_FROM_PROMPT, "I", rec,
	    "{\"id\":\"fn-1\",\"split\":\"val\",\"task\":\"code\",\"instruction\":\"I\","
	    "\"input\":\"Add two numbers.\",\"output\":\"def add(a, b):\\n    return a + b\\n\"}",
	    "instruction, code from prompt");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_CODE, INSTRUCT_FROM_IR, "I", rec,
	    "{\"id\":\"fn-1\",\"split\":\"val\",\"task\":\"code\",\"instruction\":\"I\","
	    "\"input\":\"{\\\"intent\\\":{\\\"summary\\\":\\\"add two numbers\\\"},\\\"signature\\\":{\\\"name\\\":\\\"add\\\"}}\","
	    "\"output\":\"def add(a, b):\\n    return a + b\\n\"}",
	    "instruction, code from IR");
	FMT(INSTRUCT_CHAT, INSTRUCT_TASK_CODE, INSTRUCT_FROM_PROMPT, "S", rec,
	    "{\"id\":\"fn-1\",\"split\":\"val\",\"task\":\"code\",\"messages\":["
	    "{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"Add two numbers.\"},"
	    "{\"role\":\"assistant\",\"content\":\"def add(a, b):\\n    return a + b\\n\"}]}",
	    "chat, code");
	FMT(INSTRUCT_RECORD, INSTRUCT_TASK_CODE, INSTRUCT_FROM_PROMPT, NULL, "{\"a\":1}",
	    "{\"a\":1}", "record format: unchanged");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_CODE, INSTRUCT_FROM_PROMPT, NULL, "{\"id\":\"x\",\"code\":\"c\"}",
	    "<no 'prompt' string>", "missing prompt");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_IR, INSTRUCT_FROM_PROMPT, NULL, "{\"id\":\"x\",\"prompt\":\"p\",\"ir\":3}",
	    "<no 'ir' object>", "ir not an object");
	FMT(INSTRUCT_CHAT, INSTRUCT_TASK_IR, INSTRUCT_FROM_PROMPT, NULL, "{\"id\":\"x\"}",
	    "<no 'prompt' string>", "both missing: the input is named");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_CODE, INSTRUCT_FROM_PROMPT, NULL, "{\"prompt\":\"p\",\"code\":\"\"}",
	    "<no 'code' string>", "empty code refused");
	char *g = fmt(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_IR, INSTRUCT_FROM_PROMPT, NULL, rec);
	T_OK(g && strstr(g, instruct_default(INSTRUCT_TASK_IR, INSTRUCT_FROM_PROMPT)), "default instruction");
	free(g);

	/* repair tasks (ls-break): buggy code and the failing output in, the fix out */
	const char *rep = "{\"id\":\"fn-1-b1\",\"split\":\"train\",\"buggy\":\"def f():\\n    return 2\\n\","
			  "\"failure\":{\"category\":\"wrong_output\",\"test\":\"f()\",\"message\":\"expected 1\"},"
			  "\"fix\":{\"id\":\"fn-1\",\"code\":\"def f():\\n    return 1\\n\"}}";
	T_EQ_INT(instruct_task_parse("repair"), INSTRUCT_TASK_REPAIR, "task name repair");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_REPAIR, INSTRUCT_FROM_PROMPT, "I", rep,
	    "{\"id\":\"fn-1-b1\",\"split\":\"train\",\"task\":\"repair\",\"instruction\":\"I\","
	    "\"input\":\"def f():\\n    return 2\\n\\nThe failing test:\\nf()\\n\\nIts output:\\nexpected 1\","
	    "\"output\":\"def f():\\n    return 1\\n\"}",
	    "instruction, repair: buggy code and failing output to the fix");
	g = fmt(INSTRUCT_CHAT, INSTRUCT_TASK_REPAIR, INSTRUCT_FROM_PROMPT, NULL, rep);
	T_OK(g && strstr(g, "\"role\":\"assistant\",\"content\":\"def f():\\n    return 1\\n\"") &&
	     strstr(g, instruct_default(INSTRUCT_TASK_REPAIR, INSTRUCT_FROM_PROMPT)), "chat, repair: default system text");
	free(g);
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_REPAIR, INSTRUCT_FROM_PROMPT, NULL, "{\"id\":\"x\",\"buggy\":\"b\"}",
	    "<no 'failure.message' string>", "repair: a mutant the tests did not check is refused");
	FMT(INSTRUCT_INSTRUCTION, INSTRUCT_TASK_REPAIR, INSTRUCT_FROM_PROMPT, NULL, "{\"id\":\"x\",\"code\":\"c\"}",
	    "<no 'buggy' string>", "repair: not a repair task");
	return t_done();
}
