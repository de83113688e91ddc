/* tokenizer_int.h — the tokenizer's internals, shared by tokenizer.c (encode, decode)
 * and tokenizer_load.c (tokenizer.json). Not an API: include tokenizer.h instead. */
#ifndef LS_TOKENIZER_INT_H
#define LS_TOKENIZER_INT_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "model/tokenizer.h"

#define TOK_NO_MERGE UINT64_MAX
struct tok_merge { uint64_t key; uint32_t rank; int32_t id; };	/* key: left id << 32 | right id */

struct tok_added {
	const char *content;	/* points into tokenizer.strs */
	size_t len;
	int32_t id;
	unsigned special : 1, lstrip : 1, rstrip : 1;
};

/* One pre-tokenizer step: an optional prefix space (ByteLevel add_prefix_space) and an
 * optional Isolated regex split. fast_digits is set (1 or 3) when the regex is the
 * Qwen2/Qwen3 (1) or Llama 3 (3: \p{N}{1,3}) split, which has a hand-written matcher for
 * ASCII text (tok_split_fast). */
struct tok_stage { pcre2_code *re; int jit; int prefix_space; int fast_digits; };
#define TOK_MAX_STAGES 8

#define TOK_CACHE_SHARDS 64
#define TOK_CACHE_SLOTS 1024
#define TOK_CACHE_KEY 22
#define TOK_CACHE_IDS 8
struct tok_cache_ent {	/* 64 bytes: one cache line */
	uint64_t h;
	uint8_t klen, nids;
	char key[TOK_CACHE_KEY];
	int32_t ids[TOK_CACHE_IDS];
};
struct tok_cache_shard { pthread_mutex_t mu; struct tok_cache_ent *ent; };

enum { TOK_PRESENT = 1, TOK_ADDED = 2, TOK_SPECIAL = 4 };

struct tokenizer {
	size_t nvocab;		/* highest id + 1 */
	uint8_t *flags;		/* per id: TOK_* */
	char *strs;		/* token strings as in tokenizer.json, NUL-terminated */
	uint32_t *str_off, *str_len;
	char *byts;		/* what each token decodes to (byte-level symbols undone) */
	uint32_t *byt_off, *byt_len;
	int32_t *vslot;		/* string -> id, open addressing; -1 empty */
	size_t vmask;

	int32_t byte_id[256];	/* the id of each byte's byte-level symbol */
	char byte_sym[256][3];	/* that symbol in UTF-8 */

	struct tok_merge *merges;	/* open addressing, 2^mbits slots */
	int mbits;
	size_t nmerges;

	struct tok_added *added;	/* sorted by first byte */
	size_t nadded;
	uint32_t added_first[257];	/* added[added_first[c] .. added_first[c+1]) start with c */
	int added_one_first;		/* the only first byte, or -1 */

	int nfc;
	int ignore_merges;
	struct tok_stage stages[TOK_MAX_STAGES];
	int nstages;

	int32_t *pre_ids, *post_ids;	/* what add_special puts around the text */
	size_t npre, npost;

	struct tok_cache_shard *cache;	/* TOK_CACHE_SHARDS of them */
};

struct tok_buf { char *p; size_t n, cap; };
void tok_buf_reserve(struct tok_buf *b, size_t more);

/* Testing knobs (tokenizer.c), to check the fast paths against the general ones: pieces
 * at least tok_heap_min bytes long take the heap merge; tok_split_fast = 0 sends every
 * split to PCRE2. Set them only while no other thread encodes. */
extern int tok_heap_min, tok_split_fast;

int32_t tok_vocab_find(const tokenizer *t, const char *s, size_t n);
void tok_merge_insert(tokenizer *t, int32_t a, int32_t b, uint32_t rank, int32_t id);
/* Rewrite a tokenizer.json Split regex into the PCRE2 pattern that matches what the
 * JavaScript reference matches. Returns a malloc'd string. */
char *tok_regex_translate(const char *re);

#endif
