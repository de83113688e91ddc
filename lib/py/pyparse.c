/* pyparse.c — see pyparse.h. */
#include "py/pyparse.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct py_kinds pyk;
static pthread_once_t kinds_once = PTHREAD_ONCE_INIT;

static TSSymbol sym(const TSLanguage *l, const char *name, int named)
{
	return ts_language_symbol_for_name(l, name, (uint32_t)strlen(name), named);
}

static void kinds_init(void)
{
	const TSLanguage *l = tree_sitter_python();
#define K(f) pyk.f = sym(l, #f, 1)
	K(module); K(function_definition); K(class_definition); K(decorated_definition);
	K(decorator); K(block); K(expression_statement); K(string); K(concatenated_string);
	K(identifier); K(attribute); K(call); K(argument_list); K(parameters); K(lambda);
	K(typed_parameter); K(default_parameter); K(typed_default_parameter);
	K(list_splat_pattern); K(dictionary_splat_pattern); K(keyword_separator);
	K(positional_separator); K(import_statement); K(import_from_statement);
	K(future_import_statement); K(aliased_import); K(dotted_name); K(assignment);
	K(augmented_assignment); K(global_statement); K(nonlocal_statement);
	K(return_statement); K(raise_statement); K(assert_statement); K(if_statement);
	K(yield); K(await); K(comment); K(subscript); K(delete_statement);
	K(for_statement); K(while_statement); K(try_statement); K(with_statement);
	K(string_content); K(string_start); K(string_end); K(interpolation);
	K(escape_sequence); K(type); K(comparison_operator); K(not_operator);
	K(boolean_operator); K(keyword_argument); K(pass_statement); K(elif_clause);
	K(else_clause);
#undef K
	pyk.error = (TSSymbol)-1;	/* ts_node_is_error / ts_node_has_error are the API for ERROR */
}

TSParser *py_parser_new(char *err, size_t errsz)
{
	TSParser *p = ts_parser_new();
	if (!p) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (!ts_parser_set_language(p, tree_sitter_python())) {
		snprintf(err, errsz, "tree-sitter refused the Python grammar (ABI %u; this library loads %u-%u)",
			 ts_language_version(tree_sitter_python()),
			 TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION);
		ts_parser_delete(p);
		return NULL;
	}
	pthread_once(&kinds_once, kinds_init);
	return p;
}

TSTree *py_parse(TSParser *p, const char *src, size_t len)
{
	return ts_parser_parse_string_encoding(p, NULL, src, (uint32_t)len, TSInputEncodingUTF8);
}

char *py_strdup(TSNode n, const char *src)
{
	size_t len;
	const char *s = py_text(n, src, &len);
	char *r = malloc(len + 1);
	if (r) {
		memcpy(r, s, len);
		r[len] = 0;
	}
	return r;
}

/* --- string literal decoding ------------------------------------------- */

typedef struct { char *b; size_t n, cap; } buf;

static void put(buf *o, const char *s, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2;
		o->b = realloc(o->b, o->cap);
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = 0;
}

static void put_cp(buf *o, unsigned long c)
{
	char u[4];
	size_t n;
	if (c < 0x80) { u[0] = (char)c; n = 1; }
	else if (c < 0x800) { u[0] = (char)(0xC0 | c >> 6); u[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
	else if (c < 0x10000) { u[0] = (char)(0xE0 | c >> 12); u[1] = (char)(0x80 | (c >> 6 & 0x3F)); u[2] = (char)(0x80 | (c & 0x3F)); n = 3; }
	else { u[0] = (char)(0xF0 | c >> 18); u[1] = (char)(0x80 | (c >> 12 & 0x3F)); u[2] = (char)(0x80 | (c >> 6 & 0x3F)); u[3] = (char)(0x80 | (c & 0x3F)); n = 4; }
	put(o, u, n);
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : (tolower(c) >= 'a' && tolower(c) <= 'f') ? tolower(c) - 'a' + 10 : -1;
}

/* Decode one literal's body s[0..n) with Python's escape rules; raw keeps it. */
static void decode_body(buf *o, const char *s, size_t n, int raw)
{
	size_t i = 0;
	while (i < n) {
		const char *bs = raw ? NULL : memchr(s + i, '\\', n - i);
		if (!bs) {
			put(o, s + i, n - i);
			return;
		}
		put(o, s + i, (size_t)(bs - (s + i)));
		i = (size_t)(bs - s) + 1;
		if (i >= n) {
			put(o, "\\", 1);
			return;
		}
		char c = s[i++];
		int d, k;
		unsigned long v;
		switch (c) {
		case '\n': break;	/* line continuation */
		case '\\': put(o, "\\", 1); break;
		case '\'': put(o, "'", 1); break;
		case '"': put(o, "\"", 1); break;
		case 'a': put(o, "\a", 1); break;
		case 'b': put(o, "\b", 1); break;
		case 'f': put(o, "\f", 1); break;
		case 'n': put(o, "\n", 1); break;
		case 'r': put(o, "\r", 1); break;
		case 't': put(o, "\t", 1); break;
		case 'v': put(o, "\v", 1); break;
		case 'x': case 'u': case 'U':
			k = c == 'x' ? 2 : c == 'u' ? 4 : 8;
			v = 0;
			for (d = 0; d < k && i < n && hexval((unsigned char)s[i]) >= 0; d++, i++)
				v = v * 16 + (unsigned long)hexval((unsigned char)s[i]);
			if (d < k || v > 0x10FFFF) {	/* Python rejects it; keep the text */
				put(o, "\\", 1);
				put(o, &c, 1);
			} else
				put_cp(o, v);
			break;
		case 'N': {	/* \N{NAME}: we have no name table; keep the text as written */
			put(o, "\\N", 2);
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				v = (unsigned long)(c - '0');
				for (d = 1; d < 3 && i < n && s[i] >= '0' && s[i] <= '7'; d++, i++)
					v = v * 8 + (unsigned long)(s[i] - '0');
				put_cp(o, v);
			} else {	/* unknown escapes stay as written */
				put(o, "\\", 1);
				put(o, &c, 1);
			}
		}
	}
}

/* One `string` node: prefix letters, quote, body, quote. */
static int decode_one(buf *o, TSNode n, const char *src)
{
	size_t len;
	const char *s = py_text(n, src, &len);
	size_t p = 0;
	int raw = 0;
	while (p < len && isalpha((unsigned char)s[p])) {
		char c = (char)tolower((unsigned char)s[p]);
		if (c == 'f' || c == 'b')
			return -1;
		if (c == 'r')
			raw = 1;
		p++;
	}
	if (p >= len)
		return -1;
	char q = s[p];
	size_t ql = (len - p >= 6 && s[p + 1] == q && s[p + 2] == q) ? 3 : 1;
	if (len < p + 2 * ql)
		return -1;
	decode_body(o, s + p + ql, len - p - 2 * ql, raw);
	return 0;
}

char *py_string_value(TSNode n, const char *src, size_t *len)
{
	buf o = { 0 };
	put(&o, "", 0);
	TSSymbol t = ts_node_symbol(n);
	int bad = 0;
	if (t == pyk.string)
		bad = decode_one(&o, n, src);
	else if (t == pyk.concatenated_string) {
		uint32_t k = ts_node_named_child_count(n);
		for (uint32_t i = 0; i < k && !bad; i++) {
			TSNode c = ts_node_named_child(n, i);
			if (ts_node_symbol(c) == pyk.string)
				bad = decode_one(&o, c, src);
		}
	} else
		bad = -1;
	if (bad) {
		free(o.b);
		return NULL;
	}
	if (len)
		*len = o.n;
	return o.b;
}
