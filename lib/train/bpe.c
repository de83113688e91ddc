/* train/bpe.c — byte-level BPE learning (see bpe.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jv.h>
#include "base/hash.h"
#include "model/tokenizer.h"
#include "nn/util.h"
#include "train/bpe.h"

/* Qwen3's normalizer, pre-tokenizer and decoder (as in its tokenizer.json) */
static const char shape[] =
	"{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
	"\"normalizer\":{\"type\":\"NFC\"},"
	"\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":"
	"\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+"
	"[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},\"behavior\":\"Isolated\",\"invert\":false},"
	"{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}]},"
	"\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false},"
	"\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false},"
	"\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":\"\","
	"\"end_of_word_suffix\":\"\",\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":false,"
	"\"vocab\":{},\"merges\":[]}}";

static const char *const added[3] = { "<|endoftext|>", "<|im_start|>", "<|im_end|>" };

typedef struct {
	size_t off, len;	/* the piece's bytes in b->keys */
	long count;
	int32_t *sym;		/* its symbols now */
	int n;
} word;

struct tr_bpe {
	tokenizer *tok;		/* bytes only: the pre-tokenizer */
	char *keys;
	size_t nkeys, capkeys;
	word *w;
	int nw, capw;
	int32_t *slot;		/* open addressing over w; -1 empty */
	size_t mask;
	int byte_id[256];	/* GPT-2's order: id of each byte */
	char *str[65536 + 4];	/* token strings (byte-level form), by id */
	int nmerges, nsym;	/* merges learnt; tokens (bytes + distinct merged strings) */
	int32_t (*merges)[2];
};

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the
 * others for U+0100 + n in byte order; ids follow that list's order. */
static void byte_symbols(tr_bpe *b)
{
	int bs[256], cs[256], n = 0, k = 0;
	unsigned char in[256] = { 0 };
	for (int c = '!'; c <= '~'; c++)
		bs[k] = cs[k] = c, in[c] = 1, k++;
	for (int c = 0xA1; c <= 0xAC; c++)
		bs[k] = cs[k] = c, in[c] = 1, k++;
	for (int c = 0xAE; c <= 0xFF; c++)
		bs[k] = cs[k] = c, in[c] = 1, k++;
	for (int c = 0; c < 256; c++)
		if (!in[c])
			bs[k] = c, cs[k] = 256 + n++, k++;
	for (int i = 0; i < 256; i++) {
		char *s = malloc(3);
		int cp = cs[i];
		if (cp < 0x80)
			s[0] = cp, s[1] = 0;
		else
			s[0] = 0xC0 | cp >> 6, s[1] = 0x80 | (cp & 0x3F), s[2] = 0;
		b->str[i] = s;
		b->byte_id[bs[i]] = i;
	}
}

/* tokenizer.json text for nsym tokens, merges m[0..nm) and the added tokens */
static char *json_of(const tr_bpe *b, int nsym, int nm)
{
	jv t = jv_parse(shape), vocab = jv_object(), merges = jv_array(), add = jv_array();
	for (int i = 0; i < nsym; i++)
		vocab = jv_object_set(vocab, jv_string(b->str[i]), jv_number(i));
	for (int i = 0; i < nm; i++) {
		char *s = NULL;
		if (asprintf(&s, "%s %s", b->str[b->merges[i][0]], b->str[b->merges[i][1]]) < 0)
			abort();
		merges = jv_array_append(merges, jv_string(s));
		free(s);
	}
	for (int i = 0; i < 3; i++)
		add = jv_array_append(add, JV_OBJECT(jv_string("id"), jv_number(nsym + i),
			jv_string("content"), jv_string(added[i]), jv_string("single_word"), jv_false(),
			jv_string("lstrip"), jv_false(), jv_string("rstrip"), jv_false(),
			jv_string("normalized"), jv_false(), jv_string("special"), jv_true()));
	jv model = jv_object_get(jv_copy(t), jv_string("model"));
	model = jv_object_set(jv_object_set(model, jv_string("vocab"), vocab), jv_string("merges"), merges);
	t = jv_object_set(jv_object_set(t, jv_string("model"), model), jv_string("added_tokens"), add);
	jv s = jv_dump_string(t, JV_PRINT_PRETTY | JV_PRINT_SPACE1);
	char *r = strdup(jv_string_value(s));
	jv_free(s);
	return r;
}

static int write_text(const char *path, const char *text, char *err, size_t errsz)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int bad = !f || fputs(text, f) == EOF || fputc('\n', f) == EOF;
	if (f && fclose(f))
		bad = 1;
	if (bad || rename(tmp, path))
		return nn_err(err, errsz, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

tr_bpe *tr_bpe_new(char *err, size_t errsz)
{
	tr_bpe *b = calloc(1, sizeof *b);
	byte_symbols(b);
	char path[] = "/tmp/ls-bpe-XXXXXX";
	int fd = mkstemp(path);
	char *js = json_of(b, 256, 0);
	if (fd < 0 || write(fd, js, strlen(js)) != (ssize_t)strlen(js)) {
		nn_err(err, errsz, "cannot write a temporary file: %s", strerror(errno));
		free(js);
		if (fd >= 0)
			close(fd), unlink(path);
		tr_bpe_free(b);
		return NULL;
	}
	close(fd);
	free(js);
	b->tok = tok_load(path, err, errsz);
	unlink(path);
	if (!b->tok) {
		tr_bpe_free(b);
		return NULL;
	}
	b->mask = 4095;
	b->slot = malloc((b->mask + 1) * sizeof *b->slot);
	memset(b->slot, -1, (b->mask + 1) * sizeof *b->slot);
	return b;
}

void tr_bpe_free(tr_bpe *b)
{
	if (!b)
		return;
	tok_free(b->tok);
	for (int i = 0; i < b->nw; i++)
		free(b->w[i].sym);
	for (size_t i = 0; i < sizeof b->str / sizeof *b->str; i++)
		free(b->str[i]);
	free(b->w), free(b->keys), free(b->slot), free(b->merges);
	free(b);
}

static void grow_slots(tr_bpe *b)
{
	b->mask = b->mask * 2 + 1;
	free(b->slot);
	b->slot = malloc((b->mask + 1) * sizeof *b->slot);
	memset(b->slot, -1, (b->mask + 1) * sizeof *b->slot);
	for (int i = 0; i < b->nw; i++) {
		size_t h = hash64(b->keys + b->w[i].off, b->w[i].len) & b->mask;
		while (b->slot[h] >= 0)
			h = (h + 1) & b->mask;
		b->slot[h] = i;
	}
}

static void count_piece(void *ctx, const char *s, size_t n)
{
	tr_bpe *b = ctx;
	size_t h = hash64(s, n) & b->mask;
	for (; b->slot[h] >= 0; h = (h + 1) & b->mask) {
		word *w = &b->w[b->slot[h]];
		if (w->len == n && !memcmp(b->keys + w->off, s, n)) {
			w->count++;
			return;
		}
	}
	if (b->nkeys + n > b->capkeys) {
		b->capkeys = (b->capkeys + n) * 2;
		b->keys = realloc(b->keys, b->capkeys);
	}
	if (b->nw == b->capw) {
		b->capw = b->capw ? 2 * b->capw : 1024;
		b->w = realloc(b->w, b->capw * sizeof *b->w);
	}
	memcpy(b->keys + b->nkeys, s, n);
	b->w[b->nw] = (word){ b->nkeys, n, 1, NULL, 0 };
	b->nkeys += n;
	b->slot[h] = b->nw++;
	if ((size_t)b->nw * 2 > b->mask)
		grow_slots(b);
}

int tr_bpe_add(tr_bpe *b, const char *text, size_t len)
{
	return tok_pieces(b->tok, text, len, count_piece, b);
}

int tr_bpe_merges(const tr_bpe *b) { return b->nmerges; }

/* pair counts: open addressing keyed by (left << 32 | right) */
typedef struct { uint64_t key; long n; } pcount;

int tr_bpe_write(tr_bpe *b, int vocab_size, const char *path, char *err, size_t errsz)
{
	int want = vocab_size - 256 - 3;
	if (want < 0 || vocab_size > 65536)
		return nn_err(err, errsz, "vocabulary size %d: between 259 and 65536", vocab_size);
	int nact = 0, *act = malloc((b->nw + 1) * sizeof *act);	/* words of 2+ symbols */
	for (int i = 0; i < b->nw; i++) {
		word *w = &b->w[i];
		free(w->sym);
		w->sym = malloc(w->len * sizeof *w->sym);
		for (size_t j = 0; j < w->len; j++)
			w->sym[j] = b->byte_id[(unsigned char)b->keys[w->off + j]];
		w->n = (int)w->len;
		if (w->n > 1)
			act[nact++] = i;
	}
	size_t pmask = (1u << 20) - 1;
	pcount *pc = calloc(pmask + 1, sizeof *pc);
	size_t *touched = malloc((pmask + 1) * sizeof *touched), nt = 0;
	b->nmerges = 0;
	b->nsym = 256;
	while (b->nsym - 256 < want && b->nmerges < 65536 - 256) {
		for (size_t i = 0; i < nt; i++)
			pc[touched[i]] = (pcount){ 0, 0 };
		nt = 0;
		uint64_t best = 0;
		long bestn = 0;
		for (int a = 0; a < nact; a++) {
			const word *w = &b->w[act[a]];
			for (int j = 0; j + 1 < w->n; j++) {
				uint64_t key = (uint64_t)w->sym[j] << 32 | (uint32_t)w->sym[j + 1];
				size_t h = (key * 0x9e3779b97f4a7c15ull) >> 44 & pmask;
				while (pc[h].n && pc[h].key != key)
					h = (h + 1) & pmask;
				if (!pc[h].n) {
					pc[h].key = key;
					touched[nt++] = h;
				}
				pc[h].n += w->count;
				if (pc[h].n > bestn || (pc[h].n == bestn && key < best))
					best = pc[h].key, bestn = pc[h].n;
			}
		}
		if (!bestn || nt > pmask / 2)
			break;	/* nothing left to merge (or far more pairs than a vocabulary needs) */
		int32_t l = (int32_t)(best >> 32), r = (int32_t)(uint32_t)best, id = b->nsym;
		char *cat = NULL;
		if (asprintf(&cat, "%s%s", b->str[l], b->str[r]) < 0)
			abort();
		for (int i = 256; i < b->nsym; i++)	/* another path to a known string: its id */
			if (!strcmp(b->str[i], cat)) {
				id = i;
				break;
			}
		if (id == b->nsym)
			b->str[b->nsym++] = cat;
		else
			free(cat);
		b->merges = realloc(b->merges, (b->nmerges + 1) * sizeof *b->merges);
		b->merges[b->nmerges][0] = l;
		b->merges[b->nmerges][1] = r;
		b->nmerges++;
		int keep = 0;
		for (int a = 0; a < nact; a++) {	/* merge left to right, as BPE applies it */
			word *w = &b->w[act[a]];
			int k = 0;
			for (int j = 0; j < w->n; j++)
				if (j + 1 < w->n && w->sym[j] == l && w->sym[j + 1] == r)
					w->sym[k++] = id, j++;
				else
					w->sym[k++] = w->sym[j];
			w->n = k;
			if (k > 1)
				act[keep++] = act[a];
		}
		nact = keep;
	}
	free(pc), free(touched), free(act);
	char *js = json_of(b, b->nsym, b->nmerges);
	int rc = write_text(path, js, err, errsz);
	free(js);
	return rc;
}
