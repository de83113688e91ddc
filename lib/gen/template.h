/* template.h — ls-gen's task templates: a small sectioned text format.
 *
 * A template is a header of "key: value" lines, then sections that start
 * with a line "--- KIND [NAME]":
 *
 *	name: first_index_where
 *	category: list-search
 *	summary: Return the index of the first element that {{cond.text}}.
 *	arg {{xs}}: the list to search		(repeatable keys keep their order)
 *	--- param fn				one alternative per line
 *	first_index_where
 *	find_first
 *	--- param cond				an alternative may set several slots
 *	{"test": "x < 0", "text": "is negative"}
 *	--- prompt
 *	Write `{{fn}}({{xs}})` ...
 *	--- code
 *	def {{fn}}(...): ...
 *	--- inputs				one call per line; "# tag" names the edge case
 *	[]          # empty
 *
 * Slots are {{name}} for a plain alternative and {{name.key}} for a JSON one.
 * docs/TEST_GENERATION.md is the reference for the format.
 *
 * Parsed templates are jv objects (record.h's ownership rule):
 *	{"path", "name", "category", "kind": "function"|"class",
 *	 "header": [[key, value, line], ...],
 *	 "params": [{"name", "line", "alts": [{slot: text, ...}, ...]}, ...],
 *	 "prompt", "code", "inputs": [{"src", "edge", "line"}, ...], "combos": N}
 */
#ifndef LS_TEMPLATE_H
#define LS_TEMPLATE_H

#include <stddef.h>
#include <jv.h>

/* At most this many inputs per template: ls-gen asks ls-exec to trace that many calls. */
#define TMPL_MAX_INPUTS 64
#define TMPL_MAX_INPUTS_S "64"

/* Parse template text. path is used in messages and kept in the result.
 * Returns the template, or jv_invalid_with_msg("PATH:LINE: what failed"). */
jv tmpl_parse(const char *path, const char *text, size_t len);

/* Read and parse one file. */
jv tmpl_load(const char *path);

/* Every *.tmpl file under dir (one level of subdirectories too), sorted by
 * path, parsed. A file that does not parse makes the whole load fail: a
 * broken template is a bug to fix, not a task to skip. */
jv tmpl_load_dir(const char *dir);

/* The slot values of combination number k (0 <= k < combos): a mixed-radix
 * choice of one alternative per parameter, flattened to {"fn": "...",
 * "cond.test": "...", ...}. Consumes nothing. */
jv tmpl_binding(jv t, long k);

/* Replace every {{slot}} in text with its value from binding. Returns a new
 * string, or jv_invalid_with_msg("unknown slot 'x'"). Consumes nothing. */
jv tmpl_subst(const char *text, jv binding);

/* The first header value for key, after substitution; jv_null() if absent.
 * Consumes nothing. */
jv tmpl_header(jv t, const char *key);

/* What --list shows of a template: {"template", "category", "kind",
 * "combinations", "varies", "path"}. Consumes t. */
jv tmpl_info(jv t);

/* Split an inputs line at top-level ';' (outside strings and brackets):
 * a class case is "Ctor(args); method(a); method(b)". Returns an array of
 * trimmed strings. */
jv tmpl_split_ops(const char *line);

#endif
