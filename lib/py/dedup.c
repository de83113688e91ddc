/* dedup.c — see dedup.h. */
#include "py/dedup.h"
#include "base/grow.h"
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY	/* XXH3_state_t on the stack */
#include <xxhash.h>

/* --- tokens ------------------------------------------------------------------ */

typedef void (*tok_fn)(const char *s, size_t n, void *arg);

static int ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Python tokens of code: enough of the lexer to drop comments and layout. */
static void tokens(const char *s, size_t n, tok_fn fn, void *arg)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\\') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		size_t st = i;
		if (ident_char(c)) {
			while (i < n && ident_char((unsigned char)s[i]))
				i++;
			/* a string prefix (r, b, f, u, rb, ...) glued to a quote */
			if (i < n && (s[i] == '\'' || s[i] == '"') && i - st <= 2) {
				int pre = 1;
				for (size_t k = st; k < i; k++)
					if (!strchr("rRbBfFuU", s[k]))
						pre = 0;
				if (pre)
					goto string;
			}
			fn(s + st, i - st, arg);
			continue;
		}
		if (c == '\'' || c == '"') {
string:;
			char q = s[i];
			int triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
			i += triple ? 3 : 1;
			while (i < n) {
				if (s[i] == '\\') {
					i += 2;
					continue;
				}
				if (s[i] == q && (!triple || (i + 2 < n && s[i + 1] == q && s[i + 2] == q))) {
					i += triple ? 3 : 1;
					break;
				}
				if (!triple && s[i] == '\n')
					break;
				i++;
			}
			if (i > n)
				i = n;
			fn(s + st, i - st, arg);
			continue;
		}
		i++;
		fn(s + st, 1, arg);
	}
}

static void norm_tok(const char *s, size_t n, void *arg)
{
	char **b = arg;
	size_t cur = *b ? strlen(*b) : 0;
	*b = xrealloc(*b, cur + n + 2);
	if (cur)
		(*b)[cur++] = ' ';
	memcpy(*b + cur, s, n);
	(*b)[cur + n] = 0;
}

char *dd_normalize(const char *code, size_t n)
{
	char *b = NULL;
	tokens(code, n, norm_tok, &b);
	return b ? b : strdup("");
}

/* --- signatures ------------------------------------------------------------- */

/* The 128 hash functions: h_j(x) = a_j * x + b_j (mod 2^32), a_j odd. */
static uint32_t A[DD_PERM], Bc[DD_PERM];
static void perm_init(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	for (int j = 0; j < DD_PERM; j++) {
		x ^= x >> 31; x *= 0xBF58476D1CE4E5B9ULL; x ^= x >> 27; x *= 0x94D049BB133111EBULL; x ^= x >> 33;
		A[j] = (uint32_t)x | 1;
		x += 0x9E3779B97F4A7C15ULL;
		x ^= x >> 31; x *= 0xBF58476D1CE4E5B9ULL; x ^= x >> 27; x *= 0x94D049BB133111EBULL; x ^= x >> 33;
		Bc[j] = (uint32_t)(x >> 32);
		x += 0x9E3779B97F4A7C15ULL;
	}
}

typedef struct {
	XXH3_state_t *st;
	uint64_t *th;	/* token hashes */
	size_t n, cap;
} sign_ctx;

static void sign_tok(const char *s, size_t n, void *arg)
{
	sign_ctx *c = arg;
	uint64_t len = n;
	XXH3_128bits_update(c->st, &len, sizeof len);
	XXH3_128bits_update(c->st, s, n);
	LS_GROW(c->th, c->n, c->cap, 256);
	c->th[c->n++] = XXH3_64bits(s, n);
}

static inline void mh_update(uint32_t *mh, uint32_t x)
{
	for (int j = 0; j < DD_PERM; j++) {
		uint32_t h = A[j] * x + Bc[j];
		mh[j] = h < mh[j] ? h : mh[j];
	}
}

void dd_sign(const char *code, size_t n, dd_sig *out)
{
	static int inited;
	if (!__atomic_load_n(&inited, __ATOMIC_ACQUIRE)) {	/* idempotent: racing inits write the same */
		perm_init();
		__atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
	}
	sign_ctx c = { 0 };
	XXH3_state_t st;
	c.st = &st;
	XXH3_128bits_reset(&st);
	tokens(code, n, sign_tok, &c);
	XXH128_hash_t h = XXH3_128bits_digest(&st);
	out->exact[0] = h.high64;
	out->exact[1] = h.low64;
	out->ntokens = (int)c.n;
	for (int j = 0; j < DD_PERM; j++)
		out->mh[j] = UINT32_MAX;
	size_t k = c.n < DD_SHINGLE ? c.n : DD_SHINGLE;
	for (size_t i = 0; i + k <= c.n; i++) {
		uint64_t x = 0;
		for (size_t t = 0; t < k; t++)
			x = (x << 7 | x >> 57) ^ c.th[i + t];
		x *= 0x9E3779B97F4A7C15ULL;
		mh_update(out->mh, (uint32_t)(x >> 32));
		if (!k)
			break;
	}
	free(c.th);
}

double dd_similarity(const dd_sig *a, const dd_sig *b)
{
	int eq = 0;
	for (int j = 0; j < DD_PERM; j++)
		eq += a->mh[j] == b->mh[j];
	return (double)eq / DD_PERM;
}

/* --- the index -------------------------------------------------------------- */

typedef struct { uint64_t key; uint32_t ent; } bslot;	/* key 0: empty */

struct dd_index {
	double threshold;
	/* exact hashes: open addressing on exact[0] */
	uint64_t (*ex)[2];
	size_t ex_n, ex_cap;
	/* remembered signatures */
	uint32_t (*sig)[DD_PERM];
	size_t n, cap;
	bslot *band;
	size_t band_n, band_cap;
};

dd_index *dd_new(double threshold)
{
	dd_index *d = xcalloc(1, sizeof *d);
	d->threshold = threshold;
	return d;
}

size_t dd_size(const dd_index *d) { return d->ex_n; }

static int ex_has(const dd_index *d, const uint64_t e[2], size_t *slot)
{
	size_t i = (size_t)e[1] & (d->ex_cap - 1);
	while (d->ex[i][0] || d->ex[i][1]) {
		if (d->ex[i][0] == e[0] && d->ex[i][1] == e[1]) {
			*slot = i;
			return 1;
		}
		i = (i + 1) & (d->ex_cap - 1);
	}
	*slot = i;
	return 0;
}

static void ex_add(dd_index *d, const uint64_t e[2])
{
	size_t slot;
	if ((d->ex_n + 1) * 2 > d->ex_cap) {
		size_t oc = d->ex_cap;
		uint64_t (*old)[2] = d->ex;
		d->ex_cap = oc ? oc * 2 : 1024;
		d->ex = xcalloc(d->ex_cap, sizeof *d->ex);
		for (size_t i = 0; i < oc; i++)
			if (old[i][0] || old[i][1]) {
				ex_has(d, old[i], &slot);
				memcpy(d->ex[slot], old[i], sizeof old[i]);
			}
		free(old);
	}
	if (!ex_has(d, e, &slot)) {
		memcpy(d->ex[slot], e, 2 * sizeof e[0]);
		d->ex_n++;
	}
}

static uint64_t band_key(const uint32_t *mh, int b)
{
	uint64_t k = XXH3_64bits_withSeed(mh + b * DD_ROWS, DD_ROWS * sizeof *mh, (uint64_t)b + 1);
	return k ? k : 1;
}

static void band_add(dd_index *d, uint64_t key, uint32_t ent)
{
	if ((d->band_n + 1) * 2 > d->band_cap) {
		size_t oc = d->band_cap;
		bslot *old = d->band;
		d->band_cap = oc ? oc * 2 : 4096;
		d->band = xcalloc(d->band_cap, sizeof *d->band);
		d->band_n = 0;
		for (size_t i = 0; i < oc; i++)
			if (old[i].key)
				band_add(d, old[i].key, old[i].ent);
		free(old);
	}
	size_t i = (size_t)key & (d->band_cap - 1);
	while (d->band[i].key)
		i = (i + 1) & (d->band_cap - 1);
	d->band[i].key = key;
	d->band[i].ent = ent;
	d->band_n++;
}

int dd_check(dd_index *d, const dd_sig *s, int near, int add)
{
	size_t slot;
	if (d->ex_cap && ex_has(d, s->exact, &slot))
		return DD_EXACT;
	uint64_t keys[DD_BANDS];
	if (near) {
		for (int b = 0; b < DD_BANDS; b++)
			keys[b] = band_key(s->mh, b);
		if (d->band_cap)
			for (int b = 0; b < DD_BANDS; b++) {
				size_t i = (size_t)keys[b] & (d->band_cap - 1);
				for (; d->band[i].key; i = (i + 1) & (d->band_cap - 1)) {
					if (d->band[i].key != keys[b])
						continue;
					int eq = 0;
					const uint32_t *o = d->sig[d->band[i].ent];
					for (int j = 0; j < DD_PERM; j++)
						eq += o[j] == s->mh[j];
					if ((double)eq / DD_PERM >= d->threshold)
						return DD_NEAR;
				}
			}
	}
	if (!add)
		return DD_NEW;
	ex_add(d, s->exact);
	if (near) {
		LS_GROW(d->sig, d->n, d->cap, 1024);
		memcpy(d->sig[d->n], s->mh, sizeof d->sig[0]);
		for (int b = 0; b < DD_BANDS; b++)
			band_add(d, keys[b], (uint32_t)d->n);
		d->n++;
	}
	return DD_NEW;
}

void dd_free(dd_index *d)
{
	if (!d)
		return;
	free(d->ex);
	free(d->sig);
	free(d->band);
	free(d);
}
