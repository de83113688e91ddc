/* instruct.c — see instruct.h. */
#include <string.h>
#include "dataset/instruct.h"

static int lookup(const char *s, const char *const names[], int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int instruct_format_parse(const char *s)
{
	static const char *const names[] = { "record", "instruction", "chat" };
	return lookup(s, names, 3);
}

int instruct_task_parse(const char *s)
{
	static const char *const names[] = { "ir", "code", "repair" };
	return lookup(s, names, 3);
}

int instruct_input_parse(const char *s)
{
	static const char *const names[] = { "prompt", "ir" };
	return lookup(s, names, 2);
}

const char *instruct_default(instruct_task task, instruct_input input)
{
	if (task == INSTRUCT_TASK_REPAIR)
		return "The Python function below has a bug: one of its tests fails, with the output "
		       "shown after the code. Answer with the fixed function only.";
	if (task == INSTRUCT_TASK_IR)
		return "Write the specification of the Python function described below as "
		       "JSON in the lift-sys IR: intent, signature, effects, assertions.";
	if (input == INSTRUCT_FROM_IR)
		return "Write the Python function that implements this specification, given "
		       "as JSON in the lift-sys IR. Answer with the code of the function only.";
	return "Write the Python function described below. "
	       "Answer with the code of the function only.";
}

jv instruct_ir_text(jv ir)
{
	if (jv_get_kind(ir) != JV_KIND_OBJECT) {
		jv_free(ir);
		return jv_invalid_with_msg(jv_string("no 'ir' object"));
	}
	ir = jv_object_delete(ir, jv_string("quality"));
	return jv_dump_string(ir, JV_PRINT_SORTED);
}

/* rec's string field key, or invalid with a message naming it. Borrows rec. */
static jv field_text(jv rec, const char *key)
{
	jv v = jv_object_get(jv_copy(rec), jv_string(key));
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0)
		return v;
	jv_free(v);
	return jv_invalid_with_msg(jv_string_fmt("no '%s' string", key));
}

jv instruct_repair_input(jv rec)
{
	jv code = field_text(rec, "buggy");
	if (!jv_is_valid(code))
		return code;
	jv f = jv_object_get(jv_copy(rec), jv_string("failure"));
	jv test = jv_get_kind(f) == JV_KIND_OBJECT ? field_text(f, "test") : jv_invalid();
	jv msg = jv_get_kind(f) == JV_KIND_OBJECT ? field_text(f, "message") : jv_invalid();
	jv_free(f);
	if (!jv_is_valid(msg)) {
		jv_free(code);
		jv_free(test);
		jv_free(msg);
		return jv_invalid_with_msg(jv_string("no 'failure.message' string"));
	}
	jv s = jv_string_concat(code, jv_string("\nThe failing test:\n"));
	if (jv_is_valid(test))
		s = jv_string_concat(s, test);
	else
		jv_free(test);
	s = jv_string_concat(s, jv_string("\n\nIts output:\n"));
	return jv_string_concat(s, msg);
}

jv instruct_make(const instruct_opts *o, jv rec)
{
	if (o->format == INSTRUCT_RECORD)
		return rec;
	jv input, output;
	if (o->task == INSTRUCT_TASK_REPAIR) {
		input = instruct_repair_input(rec);
		jv fix = jv_object_get(jv_copy(rec), jv_string("fix"));
		output = jv_get_kind(fix) == JV_KIND_OBJECT ? field_text(fix, "code")
							    : jv_invalid_with_msg(jv_string("no 'fix.code' string"));
		jv_free(fix);
	} else if (o->task == INSTRUCT_TASK_IR || o->input == INSTRUCT_FROM_IR) {
		jv ir = instruct_ir_text(jv_object_get(jv_copy(rec), jv_string("ir")));
		if (o->task == INSTRUCT_TASK_IR) {
			input = field_text(rec, "prompt");
			output = ir;
		} else {
			input = ir;
			output = field_text(rec, "code");
		}
	} else {
		input = field_text(rec, "prompt");
		output = field_text(rec, "code");
	}
	if (!jv_is_valid(input) || !jv_is_valid(output)) {
		jv_free(rec);
		if (!jv_is_valid(input)) {
			jv_free(output);
			return input;
		}
		jv_free(input);
		return output;
	}
	const char *text = o->instruction ? o->instruction : instruct_default(o->task, o->input);
	jv out = jv_object();
	jv id = jv_object_get(jv_copy(rec), jv_string("id"));
	if (jv_is_valid(id) && jv_get_kind(id) != JV_KIND_NULL)
		out = jv_object_set(out, jv_string("id"), id);
	else
		jv_free(id);
	jv split = jv_object_get(jv_copy(rec), jv_string("split"));
	if (jv_get_kind(split) == JV_KIND_STRING)
		out = jv_object_set(out, jv_string("split"), split);
	else
		jv_free(split);
	out = jv_object_set(out, jv_string("task"), jv_string(o->task == INSTRUCT_TASK_IR ? "ir" :
								  o->task == INSTRUCT_TASK_REPAIR ? "repair" : "code"));
	if (o->format == INSTRUCT_INSTRUCTION) {
		out = jv_object_set(out, jv_string("instruction"), jv_string(text));
		out = jv_object_set(out, jv_string("input"), input);
		out = jv_object_set(out, jv_string("output"), output);
	} else {
		jv m = jv_array();
		m = jv_array_append(m, JV_OBJECT(jv_string("role"), jv_string("system"),
						  jv_string("content"), jv_string(text)));
		m = jv_array_append(m, JV_OBJECT(jv_string("role"), jv_string("user"),
						  jv_string("content"), input));
		m = jv_array_append(m, JV_OBJECT(jv_string("role"), jv_string("assistant"),
						  jv_string("content"), output));
		out = jv_object_set(out, jv_string("messages"), m);
	}
	jv_free(rec);
	return out;
}
