/* grammar/grammar.h — a context-free grammar over bytes, the one form that
 * JSON schemas (grammar/schema.h), EBNF files (grammar/ebnf.h) and regular
 * expressions (grammar/regex.h) compile to, and that the matcher
 * (grammar/match.h) runs.
 *
 * A rule is a list of alternatives; an alternative is a sequence of elements,
 * each a set of bytes or a reference to a rule. Repetition is written with
 * helper rules (gr_repeat). After gr_finish every alternative lies in one flat
 * code array, each ended by GR_END, so a position in the grammar is one int.
 *
 * Left recursion (a rule reaching itself before consuming a byte) is refused
 * by gr_finish: the matcher expands rules top down. */
#ifndef LS_GRAMMAR_H
#define LS_GRAMMAR_H
#include <stddef.h>
#include <stdint.h>

#define GR_END (-1)
/* element codes: >= 0 a rule, GR_END, <= -2 the byte set -(code) - 2 */
#define GR_SET(i) (-(i) - 2)
#define GR_SET_INDEX(c) (-(c) - 2)

typedef struct { uint64_t w[4]; } gr_bytes;	/* 256 bits */

static inline int gr_bytes_has(const gr_bytes *b, unsigned c) { return (b->w[c >> 6] >> (c & 63)) & 1; }
static inline void gr_bytes_add(gr_bytes *b, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi; c++)
		b->w[c >> 6] |= 1ULL << (c & 63);
}

/* An alternative under construction. */
typedef struct { int32_t *el; int n, cap; } gr_seq;

typedef struct grammar {
	/* rules: names (NULL for helper rules), alternatives */
	int nrules, caprules;
	char **name;
	gr_seq **alts;		/* alts[r][0..nalts[r]) while building */
	int *nalts, *capalts;
	int *defined;		/* the rule has been given alternatives (EBNF: defined, not only used) */
	gr_bytes *sets;
	int nsets, capsets;
	/* after gr_finish */
	int32_t *code;		/* all alternatives, each ended by GR_END */
	int ncode;
	int *alt_off;		/* rule r's alternatives start at code[alt_start[alt_off[r] .. alt_off[r+1])] */
	int *alt_start;
	int root;
	int single[256];	/* the set index of each one-byte set, or -1 */
} grammar;

grammar *gr_new(void);
void gr_free(grammar *g);

/* A rule by name (created on first use), or a fresh unnamed helper rule. */
int gr_named(grammar *g, const char *name);
int gr_rule(grammar *g);
/* Append elements to s. */
void gr_seq_set(grammar *g, gr_seq *s, const gr_bytes *b);
void gr_seq_range(grammar *g, gr_seq *s, unsigned lo, unsigned hi);
void gr_seq_lit(grammar *g, gr_seq *s, const char *p, size_t n);
void gr_seq_ref(gr_seq *s, int rule);
/* Add s (consumed) as an alternative of rule. */
void gr_alt(grammar *g, int rule, gr_seq *s);
/* Shorthands: an alternative that is one reference; a rule that is one literal. */
void gr_alt_ref(grammar *g, int rule, int x);
int gr_lit_rule(grammar *g, const char *p, size_t n);
/* A rule matching min..max (max < 0: unbounded) repetitions of rule x. */
int gr_repeat(grammar *g, int x, int min, int max);
/* A rule matching one code point in the union of [lo[i], hi[i]] as UTF-8. */
int gr_codepoints(grammar *g, const uint32_t *lo, const uint32_t *hi, int n);

/* Flatten, check that every used rule is defined and that nothing is left
 * recursive. 0, or -1 with err set. */
int gr_finish(grammar *g, int root, char *err, size_t errsz);
/* A grammar file's text (malloc'd), or NULL with "PATH: cannot read: ..." in err. */
char *gr_read_file(const char *path, size_t *len, char *err, size_t errsz);
/* Human-readable rule name for messages. */
const char *gr_rule_name(const grammar *g, int r, char *buf, size_t n);

#endif
