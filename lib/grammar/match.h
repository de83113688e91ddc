/* grammar/match.h — running a grammar over bytes: a pushdown automaton whose
 * states are sets of stacks, built lazily and memoised.
 *
 * A stack is a position in the grammar (the byte set to match next) over the
 * stack it returns to; stacks are hash-consed, so a stack is an int and equal
 * stacks are the same int. A state is a sorted set of stacks (several when the
 * grammar is ambiguous at that point), also interned, so a state is an int
 * too: state 0 is dead (no stack left), and a transition (state, byte) is
 * computed once and then looked up. A reference last in its alternative does
 * not push (a tail call), so repetition runs in constant depth and states
 * repeat, which is what makes the caches of grammar/tokmask.h pay.
 *
 * Two stacks are special: GM_ACCEPT (the root rule has ended: the text may
 * end here) and GM_BOTTOM, the unknown rest of a stack, which lets
 * grammar/tokmask.h run a position on its own and learn where a token would
 * leave it.
 *
 * Not thread-safe: one gm per thread, or a lock around it. */
#ifndef LS_GRAMMAR_MATCH_H
#define LS_GRAMMAR_MATCH_H
#include <stddef.h>
#include <stdint.h>
#include "grammar/grammar.h"

enum { GM_ACCEPT = 0, GM_BOTTOM = 1 };
#define GM_DEAD 0

typedef struct gm gm;

/* Takes the finished grammar g (freed with the gm). */
gm *gm_new(grammar *g);
void gm_free(gm *m);
const grammar *gm_grammar(const gm *m);
int gm_start(gm *m);				/* the state before any byte */
int gm_step(gm *m, int state, unsigned char c);	/* GM_DEAD when c cannot come next */
int gm_walk(gm *m, int state, const char *p, size_t n);	/* gm_step over p */
int gm_accepting(const gm *m, int state);	/* the text may end here */
int gm_final(const gm *m, int state);		/* it must: nothing can follow */
/* The state of one stack alone ({GM_BOTTOM} continues it), and the stacks of a state. */
int gm_stack_state(gm *m, int stack);
int gm_scoped(gm *m, int pos);			/* {pos over GM_BOTTOM} */
const int32_t *gm_stacks(const gm *m, int state, int *n);
int gm_stack_pos(const gm *m, int stack);	/* the code position a stack is at */
int gm_has_bottom(const gm *m, int state);
/* Bytes that can come next from state (bit c of the set). */
void gm_next_bytes(gm *m, int state, gr_bytes *out);
/* The fewest bytes that complete the text from state (0: it may end here;
 * GM_FAR: never). From each rule's shortest derivation, summed up a stack. */
#define GM_FAR (1 << 28)
int gm_dist(gm *m, int state);
/* Set when a state grew past the limit of stacks (a grammar too ambiguous to
 * run): the step returned GM_DEAD for that reason. */
int gm_overflow(const gm *m);
size_t gm_nstates(const gm *m);

#endif
