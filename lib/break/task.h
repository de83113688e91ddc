/* task.h — repair tasks as records: a validated function in, its mutants out;
 * the mutants' ls-exec verdicts in, the repair tasks the tests caught out.
 *
 * A mutant record is its parent with these fields added or replaced:
 *   id      PARENT-ID "-b" + 12 hex digits of the mutation's hash (stable: the
 *           same edits of the same parent give the same id under any seed)
 *   task    "repair"
 *   buggy   the mutant's code
 *   diff    unified diff from the parent's code to the buggy code
 *   break   {"parent": id, "operators": [op, ...], "round": 0 | 1 | ...}
 *   fix     {"id": the parent's id, "code": the parent's code}
 * "code" stays the parent's code; the parent's "exec" is removed (it judged
 * other code). A control record (the parent itself, buggy = code,
 * break.control = true) goes before a parent's mutants, so that one
 * `ls-exec --code-field buggy` run judges the original and its mutants
 * under the same conditions.
 *
 * The validation rule (brk_caught): a mutant is a repair task when the
 * control passed in the same run and the mutant failed with an assertion, a
 * wrong doctest output or an exception (recursion included) — not a timeout,
 * memory, output or sandbox limit, a crash, a syntax error or an error of
 * the test set-up. Its first failure becomes "failure": {"category",
 * "test", "message"}, the message a developer would see; the control's
 * verdict goes to fix.exec.
 *
 * Ownership: record.h's rule (every jv argument is consumed).
 */
#ifndef LS_BREAK_TASK_H
#define LS_BREAK_TASK_H
#include <jv.h>
#include "break/mutate.h"

/* Control plus mutant records of one parent (an array; empty when there is
 * nothing to break), or jv_invalid_with_msg when the parent has no code or
 * its code does not parse. */
jv brk_task_records(breaker *b, jv parent, const brk_opts *o, int control);

/* Is a mutant's verdict a clean failure? 1 yes; 0 no, with *why set. */
int brk_caught(jv exec, char *why, size_t whysz);

/* The validation pass over ls-exec's output, in input order. */
typedef struct {
	jv control;		/* the last control record's exec (or null) */
	char parent[256];	/* and its parent's id */
	long controls, controls_failed, caught, survived, unclean, orphans;
} brk_check;

void brk_check_init(brk_check *c);
void brk_check_free(brk_check *c);
/* One record (*rec, borrowed and updated): BRK_CONTROL for a control, now
 * remembered (the caller frees *rec); BRK_KEEP for a caught mutant, *rec
 * now the repair task; BRK_DROP with why set for anything else. */
enum { BRK_KEEP, BRK_CONTROL, BRK_DROP };
int brk_check_one(brk_check *c, jv *rec, char *why, size_t whysz);

#endif
