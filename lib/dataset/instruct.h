/* instruct.h — records as fine-tuning examples.
 *
 * Two shapes, two tasks:
 *   instruction: {"id","split","task","instruction","input","output"}
 *   chat:        {"id","split","task","messages":[{"role":"system","content":instruction},
 *                 {"role":"user","content":input},{"role":"assistant","content":output}]}
 *   task ir:   input = the record's "prompt", output = its "ir" as compact JSON
 *              with sorted keys, without "quality" (a judgement of the IR, not
 *              part of the specification a model should write)
 *   task code: input = "prompt" (or the IR JSON with input ir), output = "code"
 *   task repair: input = a repair task's (ls-break) "buggy" code, then its
 *              failing test and that test's output ("failure"); output = the
 *              fixed code ("fix.code")
 * "id" and "split" are kept so that evaluation can join results by id.
 */
#ifndef LS_INSTRUCT_H
#define LS_INSTRUCT_H
#include <jv.h>

typedef enum { INSTRUCT_RECORD, INSTRUCT_INSTRUCTION, INSTRUCT_CHAT } instruct_format;
typedef enum { INSTRUCT_TASK_IR, INSTRUCT_TASK_CODE, INSTRUCT_TASK_REPAIR } instruct_task;
typedef enum { INSTRUCT_FROM_PROMPT, INSTRUCT_FROM_IR } instruct_input;

typedef struct {
	instruct_format format;
	instruct_task task;
	instruct_input input;
	const char *instruction;	/* NULL: the default for task and input */
} instruct_opts;

/* Parse flag values; -1 when not a known name. */
int instruct_format_parse(const char *s);	/* record | instruction | chat */
int instruct_task_parse(const char *s);		/* ir | code | repair */
int instruct_input_parse(const char *s);	/* prompt | ir */
const char *instruct_default(instruct_task task, instruct_input input);

/* The IR as the text a model writes: compact, sorted keys, no "quality".
 * Consumes ir; returns a string or invalid when ir is not an object. */
jv instruct_ir_text(jv ir);

/* The input of a repair task: its buggy code, failing test and output.
 * Borrows rec; a string, or invalid naming the missing field. */
jv instruct_repair_input(jv rec);

/* Format one record (consumed). With INSTRUCT_RECORD the record comes back
 * unchanged. When a field the task needs is missing or of the wrong type,
 * returns jv_invalid_with_msg("no 'prompt' string", ...). */
jv instruct_make(const instruct_opts *o, jv rec);

#endif
