/* prompt.h — natural-language task text for a function: what to write,
 * never how it is written.
 *
 * Strategies: from the docstring; from the signature (the name, parameters
 * and types); from examples (doctests, ls-exec --trace examples, assert
 * tests); combined (the docstring and examples, or the signature and examples
 * when there is no docstring). The signature always heads the task. A part
 * the record lacks falls back gracefully and the fallback is recorded in the
 * prompt's source string.
 *
 * No line of the function body (stripped, at least PR_LEAK_MIN bytes, more
 * than a bare name, not a piece of the signature itself) ever appears in a
 * prompt: of a line of the task text that would contain one, only the
 * sentences that do not are kept (and the source string says so).
 *
 * Phrasings are chosen from a few per part by a hash of --seed and the
 * record's id, so the same seed always gives the same text.
 */
#ifndef LS_PROMPT_H
#define LS_PROMPT_H
#include <jv.h>
#include "py/docstring.h"
#include "lift/lift.h"

#define PR_LEAK_MIN 10

typedef enum { PR_COMBINED, PR_DOCSTRING, PR_SIGNATURE, PR_EXAMPLES } pr_strategy;

/* "combined", "docstring", "signature", "examples" -> 0, else -1. */
int prompt_strategy(const char *name, pr_strategy *s);

/* The prompt for a parsed function (its docstring's parts from f->ds). rec is borrowed:
 * id, qualname, class, doctests, tests and exec.examples are read from it.
 * Returns the text; *source gets the parts used, e.g. "combined:docstring+examples"
 * or "docstring:signature (fallback: no docstring)". */
jv prompt_make(const lift_fn *f, jv rec, pr_strategy s, unsigned long seed, jv *source);

/* Does text contain a line of f's body (stripped, >= PR_LEAK_MIN bytes, not
 * a bare name, not contained in the signature)? */
int prompt_leaks(const lift_fn *f, const char *text, size_t n);

#endif
