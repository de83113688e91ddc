/* grammar/regex.h — regular expressions (JSON schema's "pattern") as
 * grammar rules, and sets of characters as they are written inside a JSON
 * string.
 *
 * The supported syntax: literals, ".", classes [a-z] [^...] with \d \w \s
 * (ASCII meanings) and their negations, groups ( ) (?: ), alternation, the
 * quantifiers * + ? {n} {n,} {n,m} (a lazy "?" after them changes nothing
 * for the set of strings), and ^ / $ at the start / end of the whole
 * pattern. Without ^ (or $) the pattern may be preceded (followed) by
 * anything, as a search does. Anything else — backreferences, lookaround,
 * \b, inline flags, anchors inside — is not regular or not supported and is
 * refused by name. */
#ifndef LS_GRAMMAR_REGEX_H
#define LS_GRAMMAR_REGEX_H
#include <stddef.h>
#include <stdint.h>
#include "grammar/grammar.h"

/* A set of code points: sorted, disjoint ranges. */
typedef struct { uint32_t *lo, *hi; int n, cap; } gr_cpset;
void gr_cpset_add(gr_cpset *s, uint32_t lo, uint32_t hi);
void gr_cpset_negate(gr_cpset *s);	/* complement within 0..0x10FFFF */
void gr_cpset_free(gr_cpset *s);

/* A rule matching one character of s as a JSON string writes it: most as
 * themselves in UTF-8, '"' and '\' and control characters as escapes. With
 * all_escapes, every character may also be written as a \uXXXX escape
 * (for generic strings; not with patterns, so a text has one spelling). */
int gr_json_chars(grammar *g, const gr_cpset *s, int all_escapes);

/* A rule matching the strings of pattern, written as JSON string content
 * (json) or as plain UTF-8. -1 with err set. */
int gr_regex(grammar *g, const char *pattern, int json, char *err, size_t errsz);

/* A quantifier at *p (* + ? {n} {n,} {n,m}, n and m at most 1000): 1 with
 * *p moved past it, 0 when there is none, -1 when it is malformed. */
int gr_quantifier(const char **p, int *min, int *max);

#endif
