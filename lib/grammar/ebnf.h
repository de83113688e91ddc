/* grammar/ebnf.h — grammars written by hand, in an EBNF close to llama.cpp's
 * GBNF (share/grammar/json.ebnf is the JSON grammar written in it):
 *
 *	# a comment, to the end of the line
 *	root   ::= object
 *	object ::= "{" ( member ( ", " member )* )? "}"
 *	digit  ::= [0-9]
 *
 * A rule is NAME ::= alternatives separated by "|", and runs until the next
 * "NAME ::=". Items: "literal" (escapes \n \t \r \\ \" \xHH \uHHHH), a
 * character class [a-z] [^"\\] (UTF-8 code points, as in grammar/regex.h), "."
 * (any character but a newline), a rule's name, ( group ), each optionally
 * followed by * + ? {n} {n,} {n,m} (n, m <= 1000). The grammar starts at "root". Rules may
 * be recursive but not left recursive. */
#ifndef LS_GRAMMAR_EBNF_H
#define LS_GRAMMAR_EBNF_H
#include <stddef.h>
#include "grammar/match.h"

/* A finished grammar from EBNF text, run by a new gm. NULL with err set
 * ("LINE: message"). */
gm *ge_load(const char *text, char *err, size_t errsz);
/* The same from a file; err is "PATH:LINE: message". */
gm *ge_load_file(const char *path, char *err, size_t errsz);

#endif
