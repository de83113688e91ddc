/* tokenizer.c — byte-level BPE: load a tokenizer.json, encode, decode.
 *
 * Encoding runs the Hugging Face pipeline: split off added tokens (leftmost-longest, on
 * the raw text), NFC-normalise each remaining section, split it with the pre-tokenizer
 * regexes (PCRE2, JIT, Unicode properties), map bytes to the 256 byte-level symbols and
 * apply BPE merges in rank order. Where Hugging Face's Rust tokenizers and the
 * transformers.js port behave differently we follow the latter (the reference our tests
 * compare with): see tok_regex_translate().
 *
 * Everything but the per-word cache is read-only after tok_load(); the cache is sharded
 * under mutexes, so a shared tokenizer can encode from many threads. */
#include "model/tokenizer.h"
#include "model/tokenizer_int.h"
#include "base/utf8.h"
#include "base/diag.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

/* ---- small growable buffers ------------------------------------------------------ */

struct ids { int32_t *v; size_t n, cap; };

static void ids_push(struct ids *a, int32_t id)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = id;
}

static void ids_append(struct ids *a, const int32_t *v, size_t n)
{
	if (a->n + n > a->cap) {
		while (a->n + n > a->cap)
			a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	if (n)
		memcpy(a->v + a->n, v, n * sizeof *v);
	a->n += n;
}

/* ---- UTF-8 ----------------------------------------------------------------------- */

/* Append bytes to out as UTF-8, each maximal ill-formed subpart replaced by one U+FFFD
 * (the WHATWG decoder's rule, which TextDecoder and Rust's from_utf8_lossy share). */
static void utf8_lossy(struct tok_buf *out, const unsigned char *s, size_t n)
{
	tok_buf_reserve(out, n * 3 + 1);
	size_t i = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			out->p[out->n++] = s[i++];
			continue;
		}
		uint32_t cp;
		int k = utf8_next(s + i, n - i, &cp);
		if (k > 0) {
			memcpy(out->p + out->n, s + i, k);
			out->n += k;
			i += k;
		} else {
			out->n += utf8_put(out->p + out->n, 0xFFFD);
			i += k < 0 ? -k : 1;
		}
	}
}

/* JavaScript's \s (and String.trim): what the reference splits and trims on. */
static int js_space(uint32_t c)
{
	return (c >= 9 && c <= 13) || c == 0x20 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* ---- NFC ------------------------------------------------------------------------- */

/* True when no code point of s can change under NFC, whatever surrounds it: below
 * U+0300 nothing composes or decomposes; above, a starter without a canonical
 * decomposition that is not a mark or a conjoining jamo is stable. Conservative: a
 * false answer only costs a utf8proc pass. */
static int nfc_stable(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		if (s[i] < 0xCC) {	/* lead bytes below 0xCC encode code points below U+0300 */
			i += s[i] < 0x80 ? 1 : 2;
			continue;
		}
		uint32_t cp;
		int k = utf8_next(s + i, len - i, &cp);
		if (k <= 0)
			return 0;
		i += k;
		if (cp >= 0x4E00 && cp <= 0x9FFF)	/* CJK unified ideographs: all stable */
			continue;
		if (cp >= 0x1100 && cp <= 0x11FF)
			return 0;
		const utf8proc_property_t *p = utf8proc_get_property(cp);
		if (p->combining_class || p->category == UTF8PROC_CATEGORY_MN ||
		    p->category == UTF8PROC_CATEGORY_MC || p->category == UTF8PROC_CATEGORY_ME ||
		    (p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0))
			return 0;
	}
	return 1;
}

/* ---- tables ---------------------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

int32_t tok_vocab_find(const tokenizer *t, const char *s, size_t n)
{
	uint64_t h = hash_bytes(s, n);
	for (size_t i = h & t->vmask;; i = (i + 1) & t->vmask) {
		int32_t id = t->vslot[i];
		if (id < 0)
			return -1;
		const char *v = t->strs + t->str_off[id];
		if (t->str_len[id] == n && !memcmp(v, s, n))
			return id;
	}
}

static inline uint64_t merge_key(int32_t a, int32_t b)
{
	return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

static inline size_t merge_slot(uint64_t key, int bits)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static inline const struct tok_merge *merge_find(const tokenizer *t, int32_t a, int32_t b)
{
	uint64_t key = merge_key(a, b);
	size_t mask = ((size_t)1 << t->mbits) - 1;
	for (size_t i = merge_slot(key, t->mbits);; i = (i + 1) & mask) {
		const struct tok_merge *m = &t->merges[i];
		if (m->key == key)
			return m;
		if (m->key == TOK_NO_MERGE)
			return NULL;
	}
}

void tok_merge_insert(tokenizer *t, int32_t a, int32_t b, uint32_t rank, int32_t id)
{
	uint64_t key = merge_key(a, b);
	size_t mask = ((size_t)1 << t->mbits) - 1;
	for (size_t i = merge_slot(key, t->mbits);; i = (i + 1) & mask) {
		struct tok_merge *m = &t->merges[i];
		if (m->key == key || m->key == TOK_NO_MERGE) {
			/* a repeated merge keeps its last rank, as both references do */
			m->key = key, m->rank = rank, m->id = id;
			return;
		}
	}
}

/* ---- BPE ------------------------------------------------------------------------- */

/* Pieces longer than this use the heap; shorter ones the quadratic scan, which is
 * faster for the few symbols of a typical word. Both merge the lowest-ranked pair,
 * leftmost first, so they agree (tests lower this to check it). */
int tok_heap_min = 96;

static size_t bpe_scan(const tokenizer *t, int32_t *sym, size_t n)
{
	uint32_t rank[n];
	int32_t mid[n];
	for (size_t i = 0; i + 1 < n; i++) {
		const struct tok_merge *m = merge_find(t, sym[i], sym[i + 1]);
		rank[i] = m ? m->rank : UINT32_MAX;
		mid[i] = m ? m->id : -1;
	}
	while (n > 1) {
		size_t best = 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (rank[i] < rank[best])
				best = i;
		if (rank[best] == UINT32_MAX)
			break;
		sym[best] = mid[best];
		n--;
		memmove(sym + best + 1, sym + best + 2, (n - best - 1) * sizeof *sym);
		if (best + 1 < n) {
			memmove(rank + best + 1, rank + best + 2, (n - best - 2) * sizeof *rank);
			memmove(mid + best + 1, mid + best + 2, (n - best - 2) * sizeof *mid);
		}
		for (size_t i = best ? best - 1 : 0; i <= best && i + 1 < n; i++) {
			const struct tok_merge *m = merge_find(t, sym[i], sym[i + 1]);
			rank[i] = m ? m->rank : UINT32_MAX;
			mid[i] = m ? m->id : -1;
		}
	}
	return n;
}

struct hnode { uint32_t rank; uint32_t pos; };

static int hless(struct hnode a, struct hnode b)
{
	return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}

static void heap_push(struct hnode *h, size_t *n, struct hnode x)
{
	size_t i = (*n)++;
	while (i && hless(x, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static struct hnode heap_pop(struct hnode *h, size_t *n)
{
	struct hnode top = h[0], x = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && hless(h[c + 1], h[c]))
			c++;
		if (!hless(h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
	return top;
}

/* The same merges in O(n log n) for long pieces (runs of spaces, long identifiers):
 * a linked list of symbols and a heap of candidate pairs keyed (rank, position);
 * stale candidates are recognised by looking the pair up again. */
static size_t bpe_heap(const tokenizer *t, int32_t *sym, size_t n)
{
	int32_t *next = malloc(n * sizeof *next), *prev = malloc(n * sizeof *prev);
	struct hnode *h = malloc(3 * n * sizeof *h);	/* n-1 pairs, then at most 2 per merge */
	if (!next || !prev || !h)
		ls_oom();
	size_t nh = 0;
	for (size_t i = 0; i < n; i++) {
		next[i] = i + 1 < n ? (int32_t)i + 1 : -1;
		prev[i] = (int32_t)i - 1;
		if (i + 1 < n) {
			const struct tok_merge *m = merge_find(t, sym[i], sym[i + 1]);
			if (m)
				heap_push(h, &nh, (struct hnode){ m->rank, i });
		}
	}
	while (nh) {
		struct hnode x = heap_pop(h, &nh);
		int32_t i = x.pos, j = next[i];
		if (sym[i] < 0 || j < 0)
			continue;
		const struct tok_merge *m = merge_find(t, sym[i], sym[j]);
		if (!m || m->rank != x.rank)
			continue;
		sym[i] = m->id;
		sym[j] = -1;
		next[i] = next[j];
		if (next[j] >= 0)
			prev[next[j]] = i;
		if (prev[i] >= 0) {
			const struct tok_merge *l = merge_find(t, sym[prev[i]], sym[i]);
			if (l)
				heap_push(h, &nh, (struct hnode){ l->rank, prev[i] });
		}
		if (next[i] >= 0) {
			const struct tok_merge *r = merge_find(t, sym[i], sym[next[i]]);
			if (r)
				heap_push(h, &nh, (struct hnode){ r->rank, i });
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (sym[i] >= 0)
			sym[k++] = sym[i];
	free(next), free(prev), free(h);
	return k;
}

/* ---- the per-word cache ------------------------------------------------------------ */

/* Direct-mapped, one cache line per entry: a word of up to TOK_CACHE_KEY bytes whose
 * BPE gives at most TOK_CACHE_IDS ids. A colliding word simply replaces the entry. */
static int cache_get(const tokenizer *t, const char *w, size_t n, uint64_t h, int32_t *ids)
{
	struct tok_cache_shard *sh = &t->cache[h % TOK_CACHE_SHARDS];
	int got = -1;
	pthread_mutex_lock(&sh->mu);
	if (sh->ent) {
		const struct tok_cache_ent *e = &sh->ent[(h >> 8) & (TOK_CACHE_SLOTS - 1)];
		if (e->h == h && e->klen == n && !memcmp(e->key, w, n)) {
			memcpy(ids, e->ids, e->nids * sizeof *ids);
			got = e->nids;
		}
	}
	pthread_mutex_unlock(&sh->mu);
	return got;
}

static void cache_put(const tokenizer *t, const char *w, size_t n, uint64_t h,
		      const int32_t *ids, size_t nids)
{
	struct tok_cache_shard *sh = &t->cache[h % TOK_CACHE_SHARDS];
	pthread_mutex_lock(&sh->mu);
	if (!sh->ent)
		sh->ent = calloc(TOK_CACHE_SLOTS, sizeof *sh->ent);
	if (sh->ent) {
		struct tok_cache_ent *e = &sh->ent[(h >> 8) & (TOK_CACHE_SLOTS - 1)];
		e->h = h, e->klen = n, e->nids = nids;
		memcpy(e->key, w, n);
		memcpy(e->ids, ids, nids * sizeof *ids);
	}
	pthread_mutex_unlock(&sh->mu);
}

/* BPE one pre-tokenized piece (raw bytes) and append its ids. */
static void bpe_piece(const tokenizer *t, const char *w, size_t n, struct ids *out)
{
	if (n == 1) {
		ids_push(out, t->byte_id[(unsigned char)w[0]]);
		return;
	}
	if (t->ignore_merges) {
		char tmp[n * 2];	/* byte-level symbols are at most 2 UTF-8 bytes */
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			const char *s = t->byte_sym[(unsigned char)w[i]];
			while (*s)
				tmp[k++] = *s++;
		}
		int32_t id = tok_vocab_find(t, tmp, k);
		if (id >= 0) {
			ids_push(out, id);
			return;
		}
	}
	uint64_t h = 0;
	int32_t cached[TOK_CACHE_IDS];
	if (n <= TOK_CACHE_KEY) {
		h = hash_bytes(w, n);
		int k = cache_get(t, w, n, h, cached);
		if (k >= 0) {
			ids_append(out, cached, k);
			return;
		}
	}
	int32_t stack[256], *sym = n <= 256 ? stack : malloc(n * sizeof *sym);
	if (!sym)
		ls_oom();
	for (size_t i = 0; i < n; i++)
		sym[i] = t->byte_id[(unsigned char)w[i]];
	size_t k = n < (size_t)tok_heap_min ? bpe_scan(t, sym, n) : bpe_heap(t, sym, n);
	ids_append(out, sym, k);
	if (n <= TOK_CACHE_KEY && k <= TOK_CACHE_IDS)
		cache_put(t, w, n, h, sym, k);
	if (sym != stack)
		free(sym);
}

/* ---- pre-tokenization ------------------------------------------------------------- */

/* The Qwen2/Qwen3 split pattern (Llama 3's when digits is 3), as transformers.js runs it,
 *   '(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,digits}
 *   | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * matched by hand at s[i]: returns the end of the match, or 0 when a non-ASCII character
 * could change the outcome, and PCRE2 must decide. Most code is ASCII, and this is many
 * times faster than the JIT-compiled pattern, which looks up Unicode properties for every
 * character. tests/unit/test_tokenizer.c checks it against PCRE2. */
int tok_split_fast = 1;

static inline int a_space(unsigned c) { return (c >= 9 && c <= 13) || c == ' '; }
static inline int a_letter(unsigned c) { return (unsigned)((c | 32) - 'a') < 26; }
static inline int a_digit(unsigned c) { return c - '0' < 10u; }
static inline int a_other(unsigned c) { return c < 0x80 && !a_space(c) && !a_letter(c) && !a_digit(c); }

static size_t split_fast(const unsigned char *s, size_t n, size_t i, int digits)
{
	unsigned c = s[i];
	size_t j;
	if (c >= 0x80)
		return 0;
	if (c == '\'' && i + 1 < n) {				/* contractions */
		unsigned d = s[i + 1] | 32, e = i + 2 < n ? s[i + 2] | 32 : 0;
		if (d == 's' || d == 't' || d == 'm' || d == 'd')
			return i + 2;
		if (((d == 'r' || d == 'v') && e == 'e') || (d == 'l' && e == 'l'))
			return i + 3;
	}
	if (a_letter(c)) {					/* a word */
		j = i + 1;
		goto word;
	}
	if (c != '\r' && c != '\n' && !a_digit(c) && i + 1 < n) {	/* a word after one mark */
		if (s[i + 1] >= 0x80)
			return 0;
		if (a_letter(s[i + 1])) {
			j = i + 2;
			goto word;
		}
	}
	if (a_digit(c)) {					/* up to `digits` digits */
		for (j = i + 1; j < n && j - i < (size_t)digits && a_digit(s[j]); j++)
			;
		return j < n && j - i < (size_t)digits && s[j] >= 0x80 ? 0 : j;
	}
	j = i + (c == ' ');					/* punctuation, then newlines */
	if (j < n && a_other(s[j])) {
		while (++j < n && a_other(s[j]))
			;
		if (j < n && s[j] >= 0x80)
			return 0;
		while (j < n && (s[j] == '\r' || s[j] == '\n'))
			j++;
		return j;
	}
	if (j < n && s[j] >= 0x80)
		return 0;
	/* whitespace: up to its last newline; else all of it at the end of the text, or all
	 * but the last space before a word; else all of it */
	size_t nl = 0;
	for (j = i; j < n && s[j] < 0x80 && a_space(s[j]); j++)
		if (s[j] == '\r' || s[j] == '\n')
			nl = j + 1;
	if (j < n && s[j] >= 0x80)
		return 0;	/* a Unicode space may go on with the run */
	if (nl)
		return nl;
	if (j == n || j - i < 2)
		return j;
	return j - 1;
word:
	while (j < n && a_letter(s[j]))
		j++;
	return j < n && s[j] >= 0x80 ? 0 : j;
}

struct enc {
	const tokenizer *t;
	struct ids *out;
	pcre2_match_data *md;
	int failed;
	void (*piece)(void *ctx, const char *s, size_t n);	/* tok_pieces: instead of BPE */
	void *ctx;
};

/* Run stage k of the pre-tokenizer over a piece, BPE what comes out of the last. */
static void pretok(struct enc *e, int k, const char *s, size_t n)
{
	const tokenizer *t = e->t;
	if (!n)
		return;
	if (k == t->nstages) {
		if (e->piece)
			e->piece(e->ctx, s, n);
		else
			bpe_piece(t, s, n, e->out);
		return;
	}
	const struct tok_stage *st = &t->stages[k];
	char *tmp = NULL;
	if (st->prefix_space && s[0] != ' ') {
		tmp = xmalloc(n + 1);
		tmp[0] = ' ';
		memcpy(tmp + 1, s, n);
		s = tmp, n++;
	}
	if (!st->re) {
		pretok(e, k + 1, s, n);
		free(tmp);
		return;
	}
	/* Isolated split: every match is a piece, and so is every gap between matches. */
	size_t at = 0, gap = 0;
	while (at < n) {
		size_t end = st->fast_digits && tok_split_fast ?
			split_fast((const unsigned char *)s, n, at, st->fast_digits) : 0;
		if (end) {	/* matches always start at `at` with this pattern: no gap */
			pretok(e, k + 1, s + at, end - at);
			at = gap = end;
			continue;
		}
		int rc = st->jit ? pcre2_jit_match(st->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK,
						   e->md, NULL)
				 : pcre2_match(st->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK,
					       e->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
			rc = pcre2_match(st->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, e->md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			e->failed = 1;
			break;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(e->md);
		size_t ms = ov[0], me = ov[1];
		if (me == ms) {	/* an empty match splits nothing: step one character */
			at = ms + 1;
			while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80)
				at++;
			continue;
		}
		if (ms > gap)
			pretok(e, k + 1, s + gap, ms - gap);
		pretok(e, k + 1, s + ms, me - ms);
		at = gap = me;
	}
	if (gap < n)
		pretok(e, k + 1, s + gap, n - gap);
	free(tmp);
}

/* One section of text between added tokens: normalise, pre-tokenize, BPE. */
static void encode_section(struct enc *e, const char *s, size_t n)
{
	if (!n)
		return;
	if (e->t->nfc && !nfc_stable(s, n)) {
		utf8proc_uint8_t *norm = NULL;
		utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)s, n, &norm,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		if (m < 0) {
			e->failed = 1;
			return;
		}
		pretok(e, 0, (const char *)norm, m);
		free(norm);
		return;
	}
	pretok(e, 0, s, n);
}

/* The longest added token that starts at s, or NULL. */
static const struct tok_added *added_at(const tokenizer *t, const char *s, size_t n)
{
	const struct tok_added *best = NULL;
	unsigned c = (unsigned char)s[0];
	for (uint32_t i = t->added_first[c]; i < t->added_first[c + 1]; i++) {
		const struct tok_added *a = &t->added[i];
		if (a->len <= n && (!best || a->len > best->len) && !memcmp(a->content, s, a->len))
			best = a;
	}
	return best;
}

static size_t trim_end(const char *s, size_t n)
{
	while (n) {
		size_t i = n - 1;
		while (i && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
		uint32_t cp;
		if (utf8_next((const unsigned char *)s + i, n - i, &cp) <= 0 || !js_space(cp))
			break;
		n = i;
	}
	return n;
}

static size_t skip_space(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		int k = utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (k <= 0 || !js_space(cp))
			break;
		i += k;
	}
	return i;
}

static long encode(const tokenizer *t, const char *text, size_t len, int add_special, int32_t **ids,
		   void (*piece)(void *, const char *, size_t), void *ctx)
{
	*ids = NULL;
	if (!utf8_valid(text, len))
		return -1;
	struct ids out = { 0 };
	out.cap = len / 3 + 16;
	out.v = xrealloc(NULL, out.cap * sizeof *out.v);
	if (add_special)
		ids_append(&out, t->pre_ids, t->npre);
	struct enc e = { t, &out, NULL, 0, piece, ctx };
	for (int k = 0; k < t->nstages; k++)
		if (t->stages[k].re && !e.md)
			e.md = pcre2_match_data_create(1, NULL);
	size_t sec = 0, i = 0;
	while (i < len && t->nadded) {
		if (t->added_one_first >= 0) {	/* one first byte ('<' for Qwen3): memchr */
			const char *hit = memchr(text + i, t->added_one_first, len - i);
			if (!hit)
				break;
			i = hit - text;
		} else if (t->added_first[(unsigned char)text[i]] ==
			   t->added_first[(unsigned char)text[i] + 1]) {
			i++;
			continue;
		}
		const struct tok_added *a = added_at(t, text + i, len - i);
		if (!a) {
			i++;
			continue;
		}
		encode_section(&e, text + sec, a->lstrip ? trim_end(text + sec, i - sec) : i - sec);
		ids_push(&out, a->id);
		i += a->len;
		if (a->rstrip)
			i += skip_space(text + i, len - i);
		sec = i;
	}
	encode_section(&e, text + sec, len - sec);
	if (add_special)
		ids_append(&out, t->post_ids, t->npost);
	if (e.md)
		pcre2_match_data_free(e.md);
	if (e.failed) {
		free(out.v);
		return -1;
	}
	*ids = out.v;
	return (long)out.n;
}

long tok_encode(const tokenizer *t, const char *text, size_t len, int add_special, int32_t **ids)
{
	return encode(t, text, len, add_special, ids, NULL, NULL);
}

int tok_pieces(const tokenizer *t, const char *text, size_t len,
	       void (*piece)(void *ctx, const char *s, size_t n), void *ctx)
{
	int32_t *ids;
	long n = encode(t, text, len, 0, &ids, piece, ctx);
	free(ids);
	return n < 0 ? -1 : 0;
}

/* ---- decoding and lookups ------------------------------------------------------------ */

void tok_buf_reserve(struct tok_buf *b, size_t more)
{
	if (b->n + more > b->cap) {
		while (b->n + more > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xrealloc(b->p, b->cap);
	}
}

char *tok_decode(const tokenizer *t, const int32_t *ids, size_t n, int skip_special, size_t *len)
{
	struct tok_buf out = { 0 }, run = { 0 };
	for (size_t i = 0; i < n; i++) {
		int32_t id = ids[i];
		if (id < 0 || (size_t)id >= t->nvocab || !(t->flags[id] & TOK_PRESENT)) {
			free(out.p), free(run.p);
			return NULL;
		}
		if (t->flags[id] & TOK_ADDED) {
			if (skip_special && (t->flags[id] & TOK_SPECIAL))
				continue;
			/* an added token is its own text; bytes before it are decoded apart */
			utf8_lossy(&out, (unsigned char *)run.p, run.n);
			run.n = 0;
			tok_buf_reserve(&out, t->str_len[id]);
			memcpy(out.p + out.n, t->strs + t->str_off[id], t->str_len[id]);
			out.n += t->str_len[id];
			continue;
		}
		tok_buf_reserve(&run, t->byt_len[id]);
		memcpy(run.p + run.n, t->byts + t->byt_off[id], t->byt_len[id]);
		run.n += t->byt_len[id];
	}
	utf8_lossy(&out, (unsigned char *)run.p, run.n);
	free(run.p);
	tok_buf_reserve(&out, 1);
	out.p[out.n] = 0;
	if (len)
		*len = out.n;
	return out.p;
}

int32_t tok_token_id(const tokenizer *t, const char *token)
{
	return tok_vocab_find(t, token, strlen(token));
}

const char *tok_token_str(const tokenizer *t, int32_t id)
{
	if (id < 0 || (size_t)id >= t->nvocab || !(t->flags[id] & TOK_PRESENT))
		return NULL;
	return t->strs + t->str_off[id];
}

const char *tok_token_bytes(const tokenizer *t, int32_t id, size_t *len)
{
	if (id < 0 || (size_t)id >= t->nvocab || !(t->flags[id] & TOK_PRESENT))
		return NULL;
	if (t->flags[id] & TOK_ADDED)
		return *len = t->str_len[id], t->strs + t->str_off[id];
	return *len = t->byt_len[id], t->byts + t->byt_off[id];
}

size_t tok_vocab_size(const tokenizer *t)
{
	return t->nvocab;
}

int tok_is_special(const tokenizer *t, int32_t id)
{
	return id >= 0 && (size_t)id < t->nvocab && (t->flags[id] & TOK_SPECIAL);
}
