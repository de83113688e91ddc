/* tokenizer_load.c — read a Hugging Face tokenizer.json into a tokenizer.
 *
 * The file is mostly model.vocab and model.merges (11 MB and 300k strings for Qwen3):
 * those two are read by a small dedicated JSON scanner straight into flat tables, which
 * takes a fraction of what a general parser does. Every other part (added tokens,
 * normalizer, pre-tokenizer, post-processor, decoder, model options) is small and is
 * handed to jq's parser as its text span. */
#include "model/tokenizer.h"
#include "model/tokenizer_int.h"
#include "base/strbuf.h"
#include "base/utf8.h"

#include <errno.h>
#include <jv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- a minimal JSON scanner ------------------------------------------------------- */

struct js { const char *base, *p, *end; };

static void js_ws(struct js *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int js_eat(struct js *s, char c)
{
	js_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

static void buf_add(struct tok_buf *b, const char *s, size_t n)
{
	if (!n)
		return;
	tok_buf_reserve(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

/* A string, decoded and appended to b. */
static int js_str(struct js *s, struct tok_buf *b)
{
	if (!js_eat(s, '"'))
		return -1;
	for (;;) {
		const char *q = s->p;
		while (q < s->end && *q != '"' && *q != '\\')
			q++;
		buf_add(b, s->p, q - s->p);
		if (q >= s->end)
			return -1;
		if (*q == '"') {
			s->p = q + 1;
			return 0;
		}
		if (++q >= s->end)
			return -1;
		char c = *q++, o;
		switch (c) {
		case '"': case '\\': case '/': o = c; break;
		case 'b': o = '\b'; break;
		case 'f': o = '\f'; break;
		case 'n': o = '\n'; break;
		case 'r': o = '\r'; break;
		case 't': o = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (s->end - q < 4 || hex4(q, &cp))
				return -1;
			q += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && s->end - q >= 6 && q[0] == '\\' &&
			    q[1] == 'u' && !hex4(q + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				q += 6;
			} else if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;	/* a lone surrogate cannot be UTF-8 */
			char u[4];
			buf_add(b, u, utf8_put(u, cp));
			s->p = q;
			continue;
		}
		default: return -1;
		}
		buf_add(b, &o, 1);
		s->p = q;
	}
}

static int js_skip_str(struct js *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			return 0;
		}
	}
	return -1;
}

/* Skip one value; its text is [*start, s->p). Well-formedness is left to jv. */
static int js_skip(struct js *s, const char **start)
{
	js_ws(s);
	*start = s->p;
	if (s->p >= s->end)
		return -1;
	if (*s->p == '"')
		return js_skip_str(s);
	if (*s->p == '{' || *s->p == '[') {
		int depth = 0;
		do {
			if (s->p >= s->end)
				return -1;
			char c = *s->p;
			if (c == '"') {
				if (js_skip_str(s))
					return -1;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']')
				depth--;
			s->p++;
		} while (depth > 0);
		return 0;
	}
	while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
		s->p++;
	return s->p > *start ? 0 : -1;
}

static int js_long(struct js *s, long *v)
{
	js_ws(s);
	char *e;
	errno = 0;
	*v = strtol(s->p, &e, 10);
	if (e == s->p || errno || (e < s->end && (*e == '.' || *e == 'e' || *e == 'E')))
		return -1;
	s->p = e;
	return 0;
}

/* ---- loading ------------------------------------------------------------------------ */

struct load {
	const char *path;
	char *err;
	size_t errsz;
	struct js s;
	struct tok_buf strs;		/* vocab strings then added contents, NUL-separated */
	uint32_t *voff, *vlen;		/* per vocab entry */
	int32_t *vid;
	size_t nv, capv;
	struct tok_buf mstr;		/* merge halves, NUL-separated */
	uint32_t *moff;			/* two per merge */
	size_t nm, capm;
	jv model_opts, parts;		/* model keys but vocab/merges; other top-level keys */
};

static int fail(struct load *L, const char *fmt, ...)
{
	int n = snprintf(L->err, L->errsz, "%s: ", L->path);
	if (n < 0 || (size_t)n >= L->errsz)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(L->err + n, L->errsz - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_json(struct load *L, const char *what)
{
	int line = 1;
	for (const char *q = L->s.base; q < L->s.p && q < L->s.end; q++)
		line += *q == '\n';
	snprintf(L->err, L->errsz, "%s:%d: %s", L->path, line, what);
	return -1;
}

static int read_vocab(struct load *L)
{
	struct js *s = &L->s;
	if (!js_eat(s, '{'))
		return fail_json(L, "model.vocab is not an object");
	if (js_eat(s, '}'))
		return 0;
	do {
		if (L->nv == L->capv) {
			L->capv = L->capv ? L->capv * 2 : 1 << 16;
			L->voff = realloc(L->voff, L->capv * sizeof *L->voff);
			L->vlen = realloc(L->vlen, L->capv * sizeof *L->vlen);
			L->vid = realloc(L->vid, L->capv * sizeof *L->vid);
			if (!L->voff || !L->vlen || !L->vid)
				return fail(L, "out of memory");
		}
		size_t at = L->strs.n;
		long id;
		if (js_str(s, &L->strs) || !js_eat(s, ':') || js_long(s, &id))
			return fail_json(L, "bad model.vocab entry");
		if (id < 0 || id > INT32_MAX - 1)
			return fail_json(L, "model.vocab id out of range");
		L->voff[L->nv] = at;
		L->vlen[L->nv] = L->strs.n - at;
		L->vid[L->nv++] = id;
		buf_add(&L->strs, "", 1);
	} while (js_eat(s, ','));
	if (!js_eat(s, '}'))
		return fail_json(L, "bad model.vocab");
	return 0;
}

static int read_merges(struct load *L)
{
	struct js *s = &L->s;
	if (!js_eat(s, '['))
		return fail_json(L, "model.merges is not an array");
	if (js_eat(s, ']'))
		return 0;
	do {
		if (L->nm == L->capm) {
			L->capm = L->capm ? L->capm * 2 : 1 << 16;
			L->moff = realloc(L->moff, L->capm * 2 * sizeof *L->moff);
			if (!L->moff)
				return fail(L, "out of memory");
		}
		uint32_t a = L->mstr.n, b;
		js_ws(s);
		if (s->p < s->end && *s->p == '[') {	/* ["a", "b"] */
			s->p++;
			if (js_str(s, &L->mstr) || !js_eat(s, ','))
				return fail_json(L, "bad model.merges entry");
			buf_add(&L->mstr, "", 1);
			b = L->mstr.n;
			if (js_str(s, &L->mstr) || !js_eat(s, ']'))
				return fail_json(L, "bad model.merges entry");
		} else {				/* "a b" */
			if (js_str(s, &L->mstr))
				return fail_json(L, "bad model.merges entry");
			char *sp = memchr(L->mstr.p + a, ' ', L->mstr.n - a);
			if (!sp || memchr(sp + 1, ' ', L->mstr.p + L->mstr.n - sp - 1))
				return fail_json(L, "model.merges entry is not two tokens");
			*sp = 0;
			b = sp + 1 - L->mstr.p;
		}
		buf_add(&L->mstr, "", 1);
		L->moff[L->nm * 2] = a;
		L->moff[L->nm * 2 + 1] = b;
		L->nm++;
	} while (js_eat(s, ','));
	if (!js_eat(s, ']'))
		return fail_json(L, "bad model.merges");
	return 0;
}

static int read_model(struct load *L)
{
	struct js *s = &L->s;
	struct tok_buf key = { 0 };
	int rc = 0;
	if (!js_eat(s, '{'))
		return fail_json(L, "model is not an object");
	if (js_eat(s, '}'))
		return 0;
	do {
		key.n = 0;
		if (js_str(s, &key) || !js_eat(s, ':')) {
			rc = fail_json(L, "bad model key");
			break;
		}
		buf_add(&key, "", 1);
		if (!strcmp(key.p, "vocab"))
			rc = read_vocab(L);
		else if (!strcmp(key.p, "merges"))
			rc = read_merges(L);
		else {
			const char *start;
			if (js_skip(s, &start)) {
				rc = fail_json(L, "bad json");
				break;
			}
			jv v = jv_parse_sized(start, s->p - start);
			if (!jv_is_valid(v)) {
				jv_free(v);
				rc = fail_json(L, "bad json");
				break;
			}
			L->model_opts = jv_object_set(L->model_opts, jv_string(key.p), v);
		}
	} while (!rc && js_eat(s, ','));
	free(key.p);
	if (!rc && !js_eat(s, '}'))
		rc = fail_json(L, "bad model");
	return rc;
}

static int read_top(struct load *L)
{
	struct js *s = &L->s;
	struct tok_buf key = { 0 };
	int rc = 0;
	if (!js_eat(s, '{'))
		return fail_json(L, "not a json object");
	if (js_eat(s, '}'))
		return fail(L, "no model");
	do {
		key.n = 0;
		if (js_str(s, &key) || !js_eat(s, ':')) {
			rc = fail_json(L, "bad json");
			break;
		}
		buf_add(&key, "", 1);
		if (!strcmp(key.p, "model")) {
			rc = read_model(L);
			continue;
		}
		const char *start;
		if (js_skip(s, &start)) {
			rc = fail_json(L, "bad json");
			break;
		}
		if (strcmp(key.p, "added_tokens") && strcmp(key.p, "normalizer") &&
		    strcmp(key.p, "pre_tokenizer") && strcmp(key.p, "post_processor") &&
		    strcmp(key.p, "decoder"))
			continue;
		jv v = jv_parse_sized(start, s->p - start);
		if (!jv_is_valid(v)) {
			jv_free(v);
			rc = fail_json(L, "bad json");
			break;
		}
		L->parts = jv_object_set(L->parts, jv_string(key.p), v);
	} while (!rc && js_eat(s, ','));
	free(key.p);
	if (!rc && !js_eat(s, '}'))
		rc = fail_json(L, "bad json");
	return rc;
}

/* ---- building the tables ---------------------------------------------------------- */

static void vocab_insert(tokenizer *t, int32_t id)
{
	const char *s = t->strs + t->str_off[id];
	size_t n = t->str_len[id];
	for (size_t i = XXH3_64bits(s, n) & t->vmask;; i = (i + 1) & t->vmask) {
		int32_t o = t->vslot[i];
		if (o < 0 || (t->str_len[o] == n && !memcmp(t->strs + t->str_off[o], s, n))) {
			t->vslot[i] = id;	/* an added token shadows a vocab entry */
			return;
		}
	}
}

/* GPT-2's byte-level alphabet: printable bytes stand for themselves, the others for
 * U+0100 upwards in byte order. */
static unsigned byte_cp(unsigned b)
{
	if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
		return b;
	unsigned k = 0;
	for (unsigned c = 0; c < b; c++)
		if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174))
			k++;
	return 256 + k;
}

static int jbool(jv o, const char *k, int dflt)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	int r = jv_get_kind(v) == JV_KIND_TRUE ? 1 : jv_get_kind(v) == JV_KIND_FALSE ? 0 : dflt;
	jv_free(v);
	return r;
}

/* A malloc'd copy of o[k] when it is a string, else NULL. */
static char *jstrdup(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	char *r = jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
	jv_free(v);
	return r;
}

static int type_is(jv o, const char *type)
{
	char *ty = jstrdup(o, "type");
	int r = ty && !strcmp(ty, type);
	free(ty);
	return r;
}

static const char GPT2_PATTERN[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* Split patterns with a hand-written ASCII matcher in tokenizer.c, and their \p{N} run. */
static const struct { const char *re; int digits; } FAST_SPLITS[] = {
	{ "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
	  "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", 1 },		/* Qwen2, Qwen2.5, Qwen3 */
	{ "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
	  "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", 3 },		/* Llama 3 */
};

static int add_regex_stage(struct load *L, tokenizer *t, const char *re, int prefix_space)
{
	if (t->nstages == TOK_MAX_STAGES)
		return fail(L, "pre-tokenizer has too many steps");
	char *pat = tok_regex_translate(re);
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
	free(pat);
	if (!c) {
		char msg[256];
		pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
		return fail(L, "bad pre-tokenizer regex at %zu: %s: '%s'", (size_t)off, msg, re);
	}
	struct tok_stage *st = &t->stages[t->nstages++];
	st->re = c;
	st->jit = pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
	st->prefix_space = prefix_space;
	st->fast_digits = 0;
	for (size_t i = 0; i < sizeof FAST_SPLITS / sizeof *FAST_SPLITS; i++)
		if (!strcmp(re, FAST_SPLITS[i].re))
			st->fast_digits = FAST_SPLITS[i].digits;
	return 0;
}

static int set_pretokenizer(struct load *L, tokenizer *t, jv p, int *bytelevel)
{
	if (jv_get_kind(p) == JV_KIND_NULL)
		return 0;
	char *ty = jstrdup(p, "type");
	int rc = 0;
	if (!ty)
		rc = fail(L, "pre-tokenizer without a type");
	else if (!strcmp(ty, "Sequence")) {
		jv list = jv_object_get(jv_copy(p), jv_string("pretokenizers"));
		if (jv_get_kind(list) != JV_KIND_ARRAY)
			rc = fail(L, "bad pre-tokenizer Sequence");
		else
			jv_array_foreach(list, i, x) {
				if (!rc)
					rc = set_pretokenizer(L, t, x, bytelevel);
				else
					jv_free(x);
			}
		jv_free(list);
	} else if (!strcmp(ty, "Split")) {
		jv pat = jv_object_get(jv_copy(p), jv_string("pattern"));
		char *behavior = jstrdup(p, "behavior");
		char *re = jv_get_kind(pat) == JV_KIND_OBJECT ? jstrdup(pat, "Regex") : NULL;
		char *lit = jv_get_kind(pat) == JV_KIND_OBJECT ? jstrdup(pat, "String") : NULL;
		if (!behavior || strcmp(behavior, "Isolated") || jbool(p, "invert", 0))
			rc = fail(L, "unsupported Split behavior (only Isolated): '%s'",
				  behavior ? behavior : "");
		else if (*bytelevel)
			rc = fail(L, "unsupported: a Split after the ByteLevel pre-tokenizer");
		else if (re)
			rc = add_regex_stage(L, t, re, 0);
		else if (lit) {
			/* \Q...\E quotes a literal; a literal "\E" inside needs splitting */
			struct tok_buf q = { 0 };
			buf_add(&q, "\\Q", 2);
			for (const char *c = lit; *c; c++) {
				if (c[0] == '\\' && c[1] == 'E') {
					buf_add(&q, "\\E\\\\\\Q", 7);
					continue;
				}
				buf_add(&q, c, 1);
			}
			buf_add(&q, "\\E", 3);
			rc = add_regex_stage(L, t, q.p, 0);
			free(q.p);
		} else
			rc = fail(L, "Split pre-tokenizer without a pattern");
		free(re), free(lit), free(behavior);
		jv_free(pat);
	} else if (!strcmp(ty, "ByteLevel")) {
		int prefix = jbool(p, "add_prefix_space", 0);
		*bytelevel = 1;
		if (jbool(p, "use_regex", 1))
			rc = add_regex_stage(L, t, GPT2_PATTERN, prefix);
		else if (prefix) {
			if (t->nstages == TOK_MAX_STAGES)
				rc = fail(L, "pre-tokenizer has too many steps");
			else
				t->stages[t->nstages++] = (struct tok_stage){ .prefix_space = 1 };
		}
	} else
		rc = fail(L, "unsupported pre-tokenizer: '%s'", ty);
	free(ty);
	jv_free(p);
	return rc;
}

static int set_normalizer(struct load *L, tokenizer *t, jv n)
{
	int rc = 0;
	if (jv_get_kind(n) == JV_KIND_NULL)
		;
	else if (type_is(n, "NFC"))
		t->nfc = 1;
	else if (type_is(n, "Sequence")) {
		jv list = jv_object_get(jv_copy(n), jv_string("normalizers"));
		if (jv_get_kind(list) != JV_KIND_ARRAY)
			rc = fail(L, "bad normalizer Sequence");
		else
			jv_array_foreach(list, i, x) {
				if (!rc)
					rc = set_normalizer(L, t, x);
				else
					jv_free(x);
			}
		jv_free(list);
	} else {
		char *ty = jstrdup(n, "type");
		rc = fail(L, "unsupported normalizer: '%s'", ty ? ty : "?");
		free(ty);
	}
	jv_free(n);
	return rc;
}

static int push_id(int32_t **v, size_t *n, long id)
{
	int32_t *w = realloc(*v, (*n + 1) * sizeof **v);
	if (!w)
		return -1;
	w[(*n)++] = id;
	*v = w;
	return 0;
}

static int set_postprocessor(struct load *L, tokenizer *t, jv p)
{
	int rc = 0;
	char *ty = jv_get_kind(p) == JV_KIND_OBJECT ? jstrdup(p, "type") : NULL;
	if (jv_get_kind(p) == JV_KIND_NULL || (ty && !strcmp(ty, "ByteLevel")))
		;
	else if (ty && !strcmp(ty, "Sequence")) {
		jv list = jv_object_get(jv_copy(p), jv_string("processors"));
		if (jv_get_kind(list) == JV_KIND_ARRAY)
			jv_array_foreach(list, i, x) {
				if (!rc)
					rc = set_postprocessor(L, t, x);
				else
					jv_free(x);
			}
		jv_free(list);
	} else if (ty && (!strcmp(ty, "RobertaProcessing") || !strcmp(ty, "BertProcessing"))) {
		jv cls = jv_object_get(jv_copy(p), jv_string("cls"));
		jv sep = jv_object_get(jv_copy(p), jv_string("sep"));
		jv ci = jv_array_get(cls, 1), si = jv_array_get(sep, 1);
		if (jv_get_kind(ci) != JV_KIND_NUMBER || jv_get_kind(si) != JV_KIND_NUMBER ||
		    push_id(&t->pre_ids, &t->npre, jv_number_value(ci)) ||
		    push_id(&t->post_ids, &t->npost, jv_number_value(si)))
			rc = fail(L, "bad %s post-processor", ty);
		jv_free(ci), jv_free(si);
	} else if (ty && !strcmp(ty, "TemplateProcessing")) {
		/* "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, ...] */
		jv single = jv_object_get(jv_copy(p), jv_string("single"));
		jv specials = jv_object_get(jv_copy(p), jv_string("special_tokens"));
		int after = 0;
		if (jv_get_kind(single) == JV_KIND_ARRAY)
			jv_array_foreach(single, i, x) {
				jv st = jv_object_get(jv_copy(x), jv_string("SpecialToken"));
				if (jv_get_kind(st) == JV_KIND_OBJECT) {
					jv name = jv_object_get(st, jv_string("id"));
					jv ids = jv_get_kind(name) == JV_KIND_STRING ?
						jv_object_get(jv_object_get(jv_copy(specials), name),
							      jv_string("ids")) : (jv_free(name), jv_null());
					if (jv_get_kind(ids) != JV_KIND_ARRAY)
						rc = fail(L, "bad TemplateProcessing special token");
					else
						jv_array_foreach(ids, k, id) {
							if (!rc && (jv_get_kind(id) != JV_KIND_NUMBER ||
							    (after ? push_id(&t->post_ids, &t->npost, jv_number_value(id))
								   : push_id(&t->pre_ids, &t->npre, jv_number_value(id)))))
								rc = fail(L, "bad TemplateProcessing ids");
							jv_free(id);
						}
					jv_free(ids);
				} else {
					jv_free(st);
					after = 1;
				}
				jv_free(x);
			}
		jv_free(single), jv_free(specials);
	} else
		rc = fail(L, "unsupported post-processor: '%s'", ty ? ty : "?");
	free(ty);
	jv_free(p);
	return rc;
}

static int check_model(struct load *L, tokenizer *t)
{
	jv m = L->model_opts;
	char *ty = jstrdup(m, "type");
	int rc = 0;
	if (ty && strcmp(ty, "BPE"))
		rc = fail(L, "unsupported model: '%s'", ty);
	else if (jbool(m, "byte_fallback", 0))
		rc = fail(L, "unsupported: BPE byte_fallback");
	else {
		jv d = jv_object_get(jv_copy(m), jv_string("dropout"));
		if (jv_get_kind(d) == JV_KIND_NUMBER && jv_number_value(d) > 0)
			rc = fail(L, "unsupported: BPE dropout");
		jv_free(d);
		char *cs = jstrdup(m, "continuing_subword_prefix"), *ew = jstrdup(m, "end_of_word_suffix");
		if (!rc && ((cs && *cs) || (ew && *ew)))
			rc = fail(L, "unsupported: BPE subword prefix or suffix");
		free(cs), free(ew);
	}
	t->ignore_merges = jbool(m, "ignore_merges", 0);
	free(ty);
	return rc;
}

static int cmp_added(const void *a, const void *b)
{
	const struct tok_added *x = a, *y = b;
	int cx = (unsigned char)x->content[0], cy = (unsigned char)y->content[0];
	return cx != cy ? cx - cy : x->id - y->id;
}

/* added_tokens: their strings go after the vocabulary's; *maxid grows to cover them. */
static int read_added(struct load *L, tokenizer *t, size_t **add_off, long *maxid)
{
	jv added = jv_object_get(jv_copy(L->parts), jv_string("added_tokens"));
	size_t nadd = jv_get_kind(added) == JV_KIND_ARRAY ? (size_t)jv_array_length(jv_copy(added)) : 0;
	t->added = calloc(nadd + 1, sizeof *t->added);
	*add_off = calloc(nadd + 1, sizeof **add_off);
	int rc = 0;
	if (!t->added || !*add_off)
		rc = fail(L, "out of memory");
	for (size_t i = 0; !rc && i < nadd; i++) {
		jv a = jv_array_get(jv_copy(added), i);
		jv id = jv_object_get(jv_copy(a), jv_string("id"));
		jv content = jv_object_get(jv_copy(a), jv_string("content"));
		if (jv_get_kind(id) != JV_KIND_NUMBER || jv_get_kind(content) != JV_KIND_STRING ||
		    jv_number_value(id) < 0 || jv_number_value(id) >= INT32_MAX ||
		    !jv_string_length_bytes(jv_copy(content)))
			rc = fail(L, "bad added token %zu", i);
		else {
			struct tok_added *x = &t->added[t->nadded];
			x->id = jv_number_value(id);
			x->len = jv_string_length_bytes(jv_copy(content));
			x->special = jbool(a, "special", 0);
			x->lstrip = jbool(a, "lstrip", 0);
			x->rstrip = jbool(a, "rstrip", 0);
			(*add_off)[t->nadded++] = L->strs.n;
			buf_add(&L->strs, jv_string_value(content), x->len + 1);
			if (x->id > *maxid)
				*maxid = x->id;
		}
		jv_free(a), jv_free(id), jv_free(content);
	}
	jv_free(added);
	return rc;
}

/* Per-id tables, the string -> id map, and the added tokens indexed by first byte. */
static int build_vocab(struct load *L, tokenizer *t, const size_t *add_off, long maxid)
{
	t->nvocab = maxid + 1;
	t->strs = L->strs.p;
	L->strs.p = NULL;
	t->flags = calloc(t->nvocab, 1);
	t->str_off = calloc(t->nvocab, sizeof *t->str_off);
	t->str_len = calloc(t->nvocab, sizeof *t->str_len);
	t->byt_off = calloc(t->nvocab, sizeof *t->byt_off);
	t->byt_len = calloc(t->nvocab, sizeof *t->byt_len);
	size_t nslots = 1;
	while (nslots < 2 * (L->nv + t->nadded) + 2)
		nslots *= 2;
	t->vslot = malloc(nslots * sizeof *t->vslot);
	t->vmask = nslots - 1;
	if (!t->flags || !t->str_off || !t->str_len || !t->byt_off || !t->byt_len || !t->vslot)
		return fail(L, "out of memory");
	memset(t->vslot, 0xff, nslots * sizeof *t->vslot);
	for (size_t i = 0; i < L->nv; i++) {
		int32_t id = L->vid[i];
		t->str_off[id] = L->voff[i];
		t->str_len[id] = L->vlen[i];
		t->flags[id] = TOK_PRESENT;
		vocab_insert(t, id);
	}
	for (size_t i = 0; i < t->nadded; i++) {
		struct tok_added *x = &t->added[i];
		t->str_off[x->id] = add_off[i];
		t->str_len[x->id] = x->len;
		t->flags[x->id] = TOK_PRESENT | TOK_ADDED | (x->special ? TOK_SPECIAL : 0);
		vocab_insert(t, x->id);
		x->content = t->strs + add_off[i];
	}
	qsort(t->added, t->nadded, sizeof *t->added, cmp_added);
	t->added_one_first = t->nadded ? (unsigned char)t->added[0].content[0] : -1;
	for (size_t i = 0, c = 0; c < 257; c++) {
		while (i < t->nadded && (unsigned char)t->added[i].content[0] < c)
			i++;
		t->added_first[c] = i;
		if (i < t->nadded && c < 256 && (unsigned char)t->added[i].content[0] == c &&
		    (int)c != t->added_one_first)
			t->added_one_first = -1;
	}
	return 0;
}

/* The byte-level alphabet, and what every token decodes to. */
static int build_bytes(struct load *L, tokenizer *t)
{
	int cp_byte[324];
	memset(cp_byte, 0xff, sizeof cp_byte);
	for (unsigned b = 0; b < 256; b++) {
		unsigned cp = byte_cp(b);
		cp_byte[cp] = b;
		size_t k = utf8_put(t->byte_sym[b], cp);
		t->byte_sym[b][k] = 0;
		t->byte_id[b] = tok_vocab_find(t, t->byte_sym[b], k);
		if (t->byte_id[b] < 0)
			return fail(L, "byte-level symbol of byte %u missing from the vocabulary", b);
	}
	struct tok_buf byts = { 0 };
	for (size_t id = 0; id < t->nvocab; id++) {
		if (!(t->flags[id] & TOK_PRESENT))
			continue;
		const unsigned char *s = (unsigned char *)t->strs + t->str_off[id];
		size_t n = t->str_len[id], at = byts.n;
		tok_buf_reserve(&byts, n);
		int raw = (t->flags[id] & TOK_ADDED) != 0;
		for (size_t i = 0; !raw && i < n;) {
			unsigned cp;
			if (s[i] < 0x80)
				cp = s[i++];
			else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n)
				cp = (s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F), i += 2;
			else
				cp = 324;
			if (cp >= 324 || cp_byte[cp] < 0)
				raw = 1;	/* not byte-level text: decodes to itself */
			else
				byts.p[byts.n++] = cp_byte[cp];
		}
		if (raw) {
			byts.n = at;
			buf_add(&byts, (const char *)s, n);
		}
		t->byt_off[id] = at;
		t->byt_len[id] = byts.n - at;
	}
	t->byts = byts.p;
	return 0;
}

/* merges: (left id, right id) -> (rank, merged id) */
static int build_merges(struct load *L, tokenizer *t)
{
	t->mbits = 4;
	while (((size_t)1 << t->mbits) < 2 * L->nm + 2)
		t->mbits++;
	t->merges = malloc(((size_t)1 << t->mbits) * sizeof *t->merges);
	if (!t->merges)
		return fail(L, "out of memory");
	memset(t->merges, 0xff, ((size_t)1 << t->mbits) * sizeof *t->merges);
	struct tok_buf cat = { 0 };
	for (size_t i = 0; i < L->nm; i++) {
		const char *a = L->mstr.p + L->moff[2 * i], *b = L->mstr.p + L->moff[2 * i + 1];
		size_t na = strlen(a), nb = strlen(b);
		int32_t ia = tok_vocab_find(t, a, na), ib = tok_vocab_find(t, b, nb);
		cat.n = 0;
		buf_add(&cat, a, na);
		buf_add(&cat, b, nb);
		int32_t im = tok_vocab_find(t, cat.p, cat.n);
		if (ia < 0 || ib < 0 || im < 0) {
			free(cat.p);
			return fail(L, "merge %zu uses a token missing from the vocabulary: '%s %s'",
				    i, a, b);
		}
		tok_merge_insert(t, ia, ib, i, im);
	}
	free(cat.p);
	t->nmerges = L->nm;
	return 0;
}

static int build(struct load *L, tokenizer *t)
{
	long maxid = -1;
	for (size_t i = 0; i < L->nv; i++)
		if (L->vid[i] > maxid)
			maxid = L->vid[i];
	size_t *add_off = NULL;
	int rc = read_added(L, t, &add_off, &maxid);
	if (!rc && maxid < 0)
		rc = fail(L, "empty vocabulary");
	if (!rc)
		rc = build_vocab(L, t, add_off, maxid);
	free(add_off);
	if (!rc)
		rc = build_bytes(L, t);
	if (!rc)
		rc = build_merges(L, t);
	return rc;
}

tokenizer *tok_load(const char *path, char *err, size_t errsz)
{
	struct load L = { .path = path, .err = err, .errsz = errsz };
	if (errsz)
		err[0] = 0;
	sb file = { 0 };
	if (sb_read_file(&file, path) < 0) {
		fail(&L, "cannot read: %s", strerror(errno));
		free(file.b);
		return NULL;
	}
	L.s = (struct js){ file.b, file.b, file.b + file.n };
	L.model_opts = jv_object();
	L.parts = jv_object();

	tokenizer *t = calloc(1, sizeof *t);
	int rc = t ? read_top(&L) : fail(&L, "out of memory");
	if (!rc)
		rc = check_model(&L, t);
	if (!rc && !L.nv)
		rc = fail(&L, "no model.vocab");
	if (!rc)
		rc = build(&L, t);
	if (!rc) {
		int bytelevel = 0;
		rc = set_normalizer(&L, t, jv_object_get(jv_copy(L.parts), jv_string("normalizer")));
		if (!rc)
			rc = set_pretokenizer(&L, t, jv_object_get(jv_copy(L.parts),
								   jv_string("pre_tokenizer")), &bytelevel);
		if (!rc && !bytelevel)
			rc = fail(&L, "unsupported: no ByteLevel pre-tokenizer");
		if (!rc)
			rc = set_postprocessor(&L, t, jv_object_get(jv_copy(L.parts),
								    jv_string("post_processor")));
		jv dec = jv_object_get(jv_copy(L.parts), jv_string("decoder"));
		if (!rc && jv_get_kind(dec) != JV_KIND_NULL && !type_is(dec, "ByteLevel"))
			rc = fail(&L, "unsupported decoder (only ByteLevel)");
		jv_free(dec);
	}
	if (!rc) {
		t->cache = calloc(TOK_CACHE_SHARDS, sizeof *t->cache);
		if (!t->cache)
			rc = fail(&L, "out of memory");
		for (int i = 0; !rc && i < TOK_CACHE_SHARDS; i++)
			pthread_mutex_init(&t->cache[i].mu, NULL);
	}
	free(file.b);
	free(L.strs.p), free(L.voff), free(L.vlen), free(L.vid);
	free(L.mstr.p), free(L.moff);
	jv_free(L.model_opts), jv_free(L.parts);
	if (rc) {
		tok_free(t);
		return NULL;
	}
	return t;
}

void tok_free(tokenizer *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nstages; i++)
		pcre2_code_free(t->stages[i].re);
	if (t->cache)
		for (int i = 0; i < TOK_CACHE_SHARDS; i++) {
			pthread_mutex_destroy(&t->cache[i].mu);
			free(t->cache[i].ent);
		}
	free(t->cache);
	free(t->flags), free(t->strs), free(t->str_off), free(t->str_len);
	free(t->byts), free(t->byt_off), free(t->byt_len), free(t->vslot);
	free(t->merges), free(t->added), free(t->pre_ids), free(t->post_ids);
	free(t);
}

/* ---- the pre-tokenizer regex --------------------------------------------------------- */

/* The JavaScript reference rewrites two well-known patterns before compiling them with
 * the 'u' flag (transformers.js PROBLEMATIC_REGEX_MAP); we do the same, then make PCRE2's
 * classes mean what JavaScript's do: \s is JavaScript's WhiteSpace and LineTerminator
 * set (with U+FEFF, without U+0085, which PCRE2 counts), \d and \w are ASCII only. */
#define JS_SPACE "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
	"\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
static const char *const JS_REWRITES[][2] = {
	{ "(?i:'s|'t|'re|'ve|'m|'ll|'d)",
	  "(?:'([sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))" },
	{ " ?[^(\\s|[.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C])]+",
	  " ?[^\\s.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C]+" },
};

static char *replace_all(char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to);
	struct tok_buf b = { 0 };
	const char *p = s, *q;
	while ((q = strstr(p, from))) {
		buf_add(&b, p, q - p);
		buf_add(&b, to, nt);
		p = q + nf;
	}
	buf_add(&b, p, strlen(p) + 1);
	free(s);
	return b.p;
}

char *tok_regex_translate(const char *re)
{
	/* \# \& \~ are needless escapes the reference drops */
	struct tok_buf b = { 0 };
	for (const char *p = re; *p; p++) {
		if (p[0] == '\\' && p[1] && strchr("#&~", p[1]))
			continue;
		buf_add(&b, p, 1);
	}
	buf_add(&b, "", 1);
	char *s = b.p;
	for (size_t i = 0; i < sizeof JS_REWRITES / sizeof *JS_REWRITES; i++)
		s = replace_all(s, JS_REWRITES[i][0], JS_REWRITES[i][1]);

	struct tok_buf o = { 0 };
	int in_class = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			const char *rep = NULL;
			switch (p[1]) {
			case 's': rep = in_class ? JS_SPACE : "[" JS_SPACE "]"; break;
			case 'S': rep = in_class ? NULL : "[^" JS_SPACE "]"; break;
			case 'd': rep = in_class ? "0-9" : "[0-9]"; break;
			case 'D': rep = in_class ? NULL : "[^0-9]"; break;
			case 'w': rep = in_class ? "A-Za-z0-9_" : "[A-Za-z0-9_]"; break;
			case 'W': rep = in_class ? NULL : "[^A-Za-z0-9_]"; break;
			}
			if (rep)
				buf_add(&o, rep, strlen(rep));
			else
				buf_add(&o, p, 2);
			p++;
			continue;
		}
		if (!in_class && *p == '[') {
			in_class = 1;
			buf_add(&o, p, 1);
			if (p[1] == '^')
				buf_add(&o, ++p, 1);
			continue;
		}
		if (in_class && *p == ']')
			in_class = 0;
		buf_add(&o, p, 1);
	}
	buf_add(&o, "", 1);
	free(s);
	return o.p;
}
