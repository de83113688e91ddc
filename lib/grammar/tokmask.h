/* grammar/tokmask.h — which tokens of a vocabulary may come next in a
 * grammar state, fast enough to run at every step of generation.
 *
 * gv (one per tokenizer): the tokens' decoded bytes in a trie, nodes in
 * depth-first order so a subtree is a range and a walk that fails at a node
 * skips the whole subtree. Special tokens are not in it (the end of a
 * completion is the caller's, from gk_mask's "complete").
 *
 * gk (one per grammar and vocabulary): the masks.
 *  - Per grammar position (the byte set a stack is at), the position is run
 *    alone over the trie, with the rest of the stack unknown (GM_BOTTOM).
 *    Tokens it accepts or rejects without leaving the position's rule are
 *    decided for every context ("context-independent"); the subtrees where
 *    the walk leaves the rule are kept as a short list to check at run time.
 *    gk_precompute does this for every position up front; otherwise it
 *    happens the first time a position is met.
 *  - Per state, the finished mask is cached: inside a string or a number the
 *    state repeats, and its mask is a lookup.
 * The mask of a state: the union over its stacks of the position's accepted
 * set and, for each undecided subtree, a walk of that subtree from the real
 * stack. Not thread-safe (it drives the gm). */
#ifndef LS_GRAMMAR_TOKMASK_H
#define LS_GRAMMAR_TOKMASK_H
#include <stddef.h>
#include <stdint.h>
#include "grammar/match.h"
#include "model/tokenizer.h"

typedef struct gv gv;
typedef struct gk gk;

gv *gv_new(const tokenizer *t);
void gv_free(gv *v);
int gv_size(const gv *v);		/* ids 0..size-1: the mask's length in bits */
size_t gv_nodes(const gv *v);
/* A token's bytes (NULL for special tokens and absent ids). */
const char *gv_bytes(const gv *v, int32_t id, size_t *len);

gk *gk_new(gm *m, const gv *v);	/* borrows both */
void gk_free(gk *k);
void gk_precompute(gk *k);		/* every position's context-independent sets now */
/* The allowed next tokens of state as a bitset of gv_size bits (valid until
 * the next call); *complete: the text may end here. */
const uint64_t *gk_mask(gk *k, int state, int *complete);
/* The tokens along a shortest completion from state (each leaves exactly its
 * length fewer bytes to write; see gm_dist), for ending within a budget.
 * Not cached. */
const uint64_t *gk_mask_shortest(gk *k, int state, int *complete);
/* The state after token id, or GM_DEAD when it may not come next. */
int gk_advance(gk *k, int state, int32_t id);

typedef struct {
	long masks, cache_hits, positions, undecided_walks;
	size_t ci_tokens, undecided;	/* context-independent accepted tokens and undecided subtrees, over positions */
} gk_stats;
void gk_get_stats(const gk *k, gk_stats *s);

#endif
