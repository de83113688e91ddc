/* grammar/schema.h — a JSON schema compiled to a grammar whose documents all
 * validate against it.
 *
 * The subset (docs/CONSTRAINED.md has the details): type (one or a list),
 * enum, const, anyOf, oneOf (branches of disjoint types), allOf of one
 * schema, $ref to anything in the same document ("#", "#/$defs/x",
 * "#/definitions/x", any JSON pointer; recursion allowed); objects with
 * properties, required, additionalProperties (false, true or a schema);
 * arrays with items, minItems, maxItems; strings with minLength, maxLength,
 * pattern (regular; see grammar/regex.h); integers with minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum; numbers with minimum, maximum;
 * booleans; null. Annotations (title, description, default, examples,
 * $schema, $id, $comment, readOnly, writeOnly, deprecated) are ignored.
 * Any other keyword is refused, by name and place, never ignored.
 *
 * The documents are in one canonical form: properties in the schema's order
 * (optional ones may be left out), no properties beyond the declared ones
 * when there are declared ones, ", " and ": " as separators and no other
 * whitespace (with ws_any: any JSON whitespace around every token, for
 * checking text others wrote), numbers without exponents when bounded and at
 * most 16 digits before and after the point. */
#ifndef LS_GRAMMAR_SCHEMA_H
#define LS_GRAMMAR_SCHEMA_H
#include <stddef.h>
#include <jv.h>
#include "grammar/grammar.h"
#include "grammar/match.h"

typedef struct {
	int ws_any;	/* accept any whitespace between tokens (validation) */
} gs_opts;

/* Add the schema's rules to g: the root rule, or -1 with err set. Borrows schema. */
int gs_compile(grammar *g, jv schema, const gs_opts *o, char *err, size_t errsz);
/* A finished grammar for schema, run by a new gm. NULL with err set. */
gm *gs_load(jv schema, const gs_opts *o, char *err, size_t errsz);
/* The schema in a file (JSON); err starts with the path. */
gm *gs_load_file(const char *path, const gs_opts *o, char *err, size_t errsz);
/* The same for the JSON grammar of every value (no schema). */
gm *gs_any_json(const gs_opts *o, char *err, size_t errsz);

#endif
