/* mutate.h — bug injection on the tree-sitter tree (ls-break).
 *
 * A mutation is a set of text edits on a function's code, each found on the
 * syntax tree by one operator (comparison swap, off-by-one, ...). Every
 * mutant is parsed again and kept only when it parses without an error
 * node, differs from the original after normalising whitespace and comments
 * away, and differs from every mutant kept before it: so no mutant is a
 * syntax error and no two are equivalent by text.
 *
 * Which mutants a function gets is a pure function of (code, parent id,
 * seed, options): the candidate edits are ranked by a hash of the seed, the
 * parent's id and the edit, and taken round-robin over the operators, so a
 * small --per-function still spreads over the kinds of bug.
 */
#ifndef LS_BREAK_MUTATE_H
#define LS_BREAK_MUTATE_H
#include <stddef.h>
#include <stdint.h>

enum {
	BRK_COMPARE, BRK_ARITH, BRK_OFF_BY_ONE, BRK_BOOLEAN, BRK_NEGATE, BRK_SWAP_BRANCH,
	BRK_REMOVE_STMT, BRK_EARLY_RETURN, BRK_CONSTANT, BRK_DEFAULT_ARG, BRK_SWAP_ARGS,
	BRK_WRONG_VAR, BRK_DROP_AWAIT, BRK_DROP_YIELD, BRK_DROP_HANDLER, BRK_NOPS
};

/* Operator names (as in records and --ops) and one line about each. */
extern const char *const brk_op_names[BRK_NOPS];
extern const char *const brk_op_about[BRK_NOPS];
int brk_op_index(const char *name);	/* -1 when unknown */

/* One edit: replace code[start..end) with text (malloc'd). */
typedef struct {
	uint32_t start, end;
	char *text;
	int op;
} brk_edit;

#define BRK_MAX_COMBINE 8

typedef struct {
	char *code;			/* the mutant's code (malloc'd) */
	int nedits;
	brk_edit edits[BRK_MAX_COMBINE];	/* in the order they were chosen */
	char key[17];			/* 16 hex digits: hash of the edits (the id suffix) */
} brk_mutant;

typedef struct {
	int per_function;	/* at most this many mutants (>= 1) */
	int from;		/* skip the first `from` mutants of the order (a later round) */
	int combine;		/* edits per mutant, 1..BRK_MAX_COMBINE */
	unsigned ops;		/* bit mask of operators to use; 0 = all */
	unsigned long seed;
	/* The lines of the code its tests ran (ls-exec --lines: exec.lines,
	 * 1-based), ncover of them; NULL: every line. Only edits that start on
	 * a line the tests ran, or on the signature above the first of them,
	 * become mutants: an edit no test reaches cannot be caught. */
	const int *cover;
	int ncover;
} brk_opts;

typedef struct breaker breaker;

/* A mutator (one tree-sitter parser; one per thread). NULL with err. */
breaker *brk_new(char *err, size_t errsz);
void brk_free(breaker *b);

/* Every single-edit candidate an operator finds in code (not yet checked
 * to parse). *edits is malloc'd; free with brk_edits_free. -1 when the code
 * does not parse (an error node), else the count. */
int brk_sites(breaker *b, const char *code, brk_edit **edits);
void brk_edits_free(brk_edit *e, int n);

/* Up to o->per_function mutants of code, as described above. -1 when the
 * code itself does not parse, else the count (0: nothing to break). */
int brk_mutants(breaker *b, const char *code, const char *parent_id, const brk_opts *o, brk_mutant **out);
void brk_mutants_free(brk_mutant *m, int n);

/* code with edits applied (they must not overlap); malloc'd. */
char *brk_apply(const char *code, const brk_edit *edits, int n);

/* Code as tokens separated by single spaces, comments left out: two
 * mutants that normalise equal differ only in layout. malloc'd; NULL when
 * the code does not parse. */
char *brk_normalise(breaker *b, const char *code);

#endif
