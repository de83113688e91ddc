/* docstring.c — see docstring.h.
 *
 * Every parser works on the same array of lines and marks the lines it takes
 * as structure (sections, fields, doctests); what is left is free text, whose
 * first paragraph is the summary and the rest the description.
 */
#include "py/docstring.h"
#include "base/strbuf.h"
#include "base/diag.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *sb_take(sb *o)
{
	if (!o->b)
		return strdup("");
	char *r = o->b;
	o->b = NULL;
	o->n = o->cap = 0;
	return r;
}

static char *dupn(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

static int is_sp(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* Trim spaces at both ends of s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
	while (*n && is_sp((unsigned char)*s))
		s++, (*n)--;
	while (*n && is_sp((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

static char *dup_trim(const char *s, size_t n)
{
	s = trim(s, &n);
	return dupn(s, n);
}

/* --- lines ---------------------------------------------------------------- */

typedef struct {
	const char *s;	/* content after the indentation */
	size_t n;	/* content length without trailing spaces; 0 for blank */
	int ind;	/* indentation in columns */
} ln;

typedef struct {
	ln *l;
	int n;
	char *used;	/* 1 where a parser took the line */
	int has_colon_end, has_dashes, has_colon_start, has_at_start, has_prompt;
} lines;

static void lines_split(const char *t, size_t len, lines *L)
{
	int cap = 16;
	L->l = malloc(sizeof *L->l * (size_t)cap);
	L->n = 0;
	size_t i = 0;
	while (i <= len) {
		const char *e = memchr(t + i, '\n', len - i);
		size_t end = e ? (size_t)(e - t) : len;
		if (L->n == cap) {
			cap *= 2;
			L->l = realloc(L->l, sizeof *L->l * (size_t)cap);
		}
		ln *x = &L->l[L->n++];
		const char *s = t + i;
		size_t n = end - i;
		int ind = 0;
		while (n && is_sp((unsigned char)*s)) {
			ind = *s == '\t' ? (ind / 8 + 1) * 8 : ind + 1;
			s++, n--;
		}
		while (n && is_sp((unsigned char)s[n - 1]))
			n--;
		x->s = s, x->n = n, x->ind = n ? ind : 0;
		if (n) {
			if (s[n - 1] == ':')
				L->has_colon_end = 1;
			if (n >= 3 && s[0] == '-' && s[1] == '-' && s[2] == '-')
				L->has_dashes = 1;
			if (s[0] == ':')
				L->has_colon_start = 1;
			if (s[0] == '@')
				L->has_at_start = 1;
			if (n >= 3 && !memcmp(s, ">>>", 3))
				L->has_prompt = 1;
		}
		if (!e)
			break;
		i = end + 1;
	}
	L->used = calloc((size_t)L->n + 1, 1);
}

/* The end (exclusive) of the block that follows line i: lines that are blank
 * or indented deeper than ind; trailing blank lines are not part of it. */
static int block_end(const lines *L, int i, int ind)
{
	int j = i + 1, last = i;
	for (; j < L->n; j++) {
		if (!L->l[j].n)
			continue;
		if (L->l[j].ind <= ind)
			break;
		last = j;
	}
	return last + 1;
}

/* Fold lines a..b (their content) onto one line with single spaces. */
static void fold(sb *o, const lines *L, int a, int b)
{
	for (int i = a; i < b; i++) {
		if (!L->l[i].n)
			continue;
		if (o->n)
			sb_put(o, " ", 1);
		sb_put(o, L->l[i].s, L->l[i].n);
	}
}

static void append_desc(ds_entry *e, const char *s, size_t n)
{
	s = trim(s, &n);
	if (!n)
		return;
	sb o = { 0 };
	if (e->desc && *e->desc) {
		sb_puts(&o, e->desc);
		sb_put(&o, " ", 1);
	}
	sb_put(&o, s, n);
	free(e->desc);
	e->desc = sb_take(&o);
}

static ds_entry *add_entry(ds_entry **v, int *n)
{
	*v = xrealloc(*v, sizeof **v * (size_t)(*n + 1));
	ds_entry *e = &(*v)[(*n)++];
	memset(e, 0, sizeof *e);
	return e;
}

static void entry_free(ds_entry *e)
{
	free(e->name);
	free(e->type);
	free(e->desc);
	free(e->dflt);
}

static void set_str(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

/* --- defaults and types -------------------------------------------------- */

/* "int, optional" -> "int"; "int, default 5" / "default: 5" / "default=5" -> "int", dflt "5". */
static void split_type_default(ds_entry *e)
{
	if (!e->type)
		return;
	char *t = e->type;
	size_t n = strlen(t);
	for (char *c = t; (c = strchr(c, ',')); c++) {
		const char *r = c + 1;
		while (*r == ' ')
			r++;
		if (!strncasecmp(r, "optional", 8) && !isalnum((unsigned char)r[8])) {
			*c = 0;
			break;
		}
		if (!strncasecmp(r, "default", 7) && !isalnum((unsigned char)r[7])) {
			r += 7;
			while (*r == ' ' || *r == ':' || *r == '=')
				r++;
			if (*r && !e->dflt)
				e->dflt = dup_trim(r, strlen(r));
			*c = 0;
			break;
		}
	}
	n = strlen(t);
	set_str(&e->type, dup_trim(t, n));
	if (!*e->type)
		set_str(&e->type, NULL);
}

/* "Defaults to 5." / "(default: 5)" / "default is 5" in a description. */
static void default_from_desc(ds_entry *e)
{
	if (e->dflt || !e->desc)
		return;
	static const char *keys[] = { "Defaults to ", "defaults to ", "(default: ", "(default=", "(default ",
				      "Default: ", "default: ", "Default is ", "default is ", NULL };
	for (int k = 0; keys[k]; k++) {
		const char *p = strstr(e->desc, keys[k]);
		if (!p)
			continue;
		p += strlen(keys[k]);
		const char *q = p;
		if (keys[k][0] == '(') {
			int depth = 0;
			for (; *q && !(*q == ')' && depth == 0); q++)
				depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
		} else {	/* up to ". " or the end, a final '.' dropped */
			while (*q && !(q[0] == '.' && (q[1] == ' ' || !q[1])) && !(q[0] == ',' && q[1] == ' '))
				q++;
		}
		size_t n = (size_t)(q - p);
		if (n && n < 200)
			e->dflt = dup_trim(p, n);
		return;
	}
}

/* Does s[0..n) look like a type expression rather than prose? */
static int looks_like_type(const char *s, size_t n)
{
	int depth = 0, words = 1;
	if (!n || n > 120)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '[' || c == '(' || c == '{')
			depth++;
		else if (c == ']' || c == ')' || c == '}')
			depth--;
		else if (c == ' ' && depth == 0) {
			char p = i ? s[i - 1] : 0, q = i + 1 < n ? s[i + 1] : 0;
			if (p != ',' && p != '|' && q != '|' && p != ' ' &&
			    !(i + 3 <= n && !strncmp(s + i + 1, "or ", 3)) && !(i >= 2 && !strncmp(s + i - 2, "or", 2)))
				words++;
		} else if (!(isalnum(c) || c >= 0x80 || strchr("_.,|*'\"-: ", c)))
			return 0;
	}
	return words == 1 && depth == 0;
}

/* --- doctest examples ----------------------------------------------------- */

static int is_prompt(const ln *l, const char *p)
{
	return l->n >= 3 && !memcmp(l->s, p, 3) && (l->n == 3 || l->s[3] == ' ');
}

static void parse_examples(lines *L, ds_doc *d)
{
	if (!L->has_prompt)
		return;
	for (int i = 0; i < L->n; i++) {
		if (!is_prompt(&L->l[i], ">>>"))
			continue;
		int ind = L->l[i].ind;
		sb src = { 0 }, want = { 0 };
		int start = i;
		sb_put(&src, L->l[i].s + (L->l[i].n > 3 ? 4 : 3), L->l[i].n > 3 ? L->l[i].n - 4 : 0);
		L->used[i++] = 1;
		for (; i < L->n && is_prompt(&L->l[i], "..."); i++) {
			sb_put(&src, "\n", 1);
			sb_put(&src, L->l[i].s + (L->l[i].n > 3 ? 4 : 3), L->l[i].n > 3 ? L->l[i].n - 4 : 0);
			L->used[i] = 1;
		}
		for (; i < L->n && L->l[i].n && !is_prompt(&L->l[i], ">>>"); i++) {
			if (want.n)
				sb_put(&want, "\n", 1);
			for (int k = L->l[i].ind - ind; k > 0; k--)
				sb_put(&want, " ", 1);
			sb_put(&want, L->l[i].s, L->l[i].n);
			L->used[i] = 1;
		}
		i--;
		d->examples = realloc(d->examples, sizeof *d->examples * (size_t)(d->nexamples + 1));
		ds_example *x = &d->examples[d->nexamples++];
		x->source = sb_take(&src);
		x->want = sb_take(&want);
		x->line = start + 1;
	}
}

/* --- Google --------------------------------------------------------------- */

enum { SEC_NONE, SEC_PARAMS, SEC_RETURNS, SEC_YIELDS, SEC_RAISES, SEC_EXAMPLES, SEC_DROP };

static int section_kind(const char *s, size_t n)
{
	static const struct { const char *name; int kind; } secs[] = {
		{ "args", SEC_PARAMS }, { "arguments", SEC_PARAMS }, { "parameters", SEC_PARAMS },
		{ "params", SEC_PARAMS }, { "keyword args", SEC_PARAMS }, { "keyword arguments", SEC_PARAMS },
		{ "kwargs", SEC_PARAMS }, { "other parameters", SEC_PARAMS }, { "other params", SEC_PARAMS },
		{ "returns", SEC_RETURNS }, { "return", SEC_RETURNS }, { "yields", SEC_YIELDS },
		{ "yield", SEC_YIELDS }, { "raises", SEC_RAISES }, { "raise", SEC_RAISES },
		{ "exceptions", SEC_RAISES }, { "except", SEC_RAISES }, { "throws", SEC_RAISES },
		{ "examples", SEC_EXAMPLES }, { "example", SEC_EXAMPLES }, { "see also", SEC_DROP },
		{ "references", SEC_DROP },
	};
	for (size_t k = 0; k < sizeof secs / sizeof *secs; k++)
		if (strlen(secs[k].name) == n && !strncasecmp(s, secs[k].name, n))
			return secs[k].kind;
	return SEC_NONE;
}

static int is_name_char(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* "name (type): desc", "*args: desc"; dotted names for exceptions. */
static int google_entry(const ln *l, int dotted, ds_entry *e)
{
	const char *s = l->s, *end = s + l->n, *p = s;
	while (p < end && *p == '*')
		p++;
	while (p < end && (is_name_char((unsigned char)*p) || (dotted && *p == '.')))
		p++;
	if (p == s || (p - s <= 2 && s[0] == '*' && p == s + (s[1] == '*' ? 2 : 1)))
		return 0;
	const char *ne = p;
	while (p < end && *p == ' ')
		p++;
	const char *ts = NULL, *te = NULL;
	if (p < end && *p == '(') {
		int depth = 0;
		ts = p + 1;
		for (; p < end; p++) {
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
			if (!depth)
				break;
		}
		if (p >= end)
			return 0;
		te = p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p >= end || *p != ':')
		return 0;
	p++;
	e->name = dupn(s, (size_t)(ne - s));
	if (ts)
		e->type = dup_trim(ts, (size_t)(te - ts));
	e->desc = dup_trim(p, (size_t)(end - p));
	return 1;
}

static void returns_block(const lines *L, int a, int b, ds_entry *e, int try_type)
{
	while (a < b && !L->l[a].n)
		a++;
	if (a >= b)
		return;
	const ln *f = &L->l[a];
	const char *colon = memchr(f->s, ':', f->n);
	sb o = { 0 };
	if (try_type && colon && looks_like_type(f->s, (size_t)(colon - f->s))) {
		e->type = dup_trim(f->s, (size_t)(colon - f->s));
		size_t rn = f->n - (size_t)(colon + 1 - f->s);
		const char *r = trim(colon + 1, &rn);
		sb_put(&o, r, rn);
		fold(&o, L, a + 1, b);
	} else
		fold(&o, L, a, b);
	e->desc = sb_take(&o);
	if (!*e->desc)
		set_str(&e->desc, NULL);
	e->line = a + 1;
}

static void parse_google(lines *L, ds_doc *d)
{
	if (!L->has_colon_end)
		return;
	for (int i = 0; i < L->n; i++) {
		const ln *h = &L->l[i];
		if (L->used[i] || h->n < 2 || h->s[h->n - 1] != ':')
			continue;
		size_t hn = h->n - 1;
		const char *hs = trim(h->s, &hn);
		int kind = section_kind(hs, hn);
		if (kind == SEC_NONE)
			continue;
		int end = block_end(L, i, h->ind);
		if (end == i + 1 && kind != SEC_EXAMPLES)
			continue;	/* "Returns:" with nothing under it is prose */
		for (int k = i; k < end; k++)
			L->used[k] = 1;
		if (kind == SEC_RETURNS || kind == SEC_YIELDS) {
			ds_entry *e = kind == SEC_RETURNS ? &d->returns : &d->yields;
			entry_free(e);
			memset(e, 0, sizeof *e);
			returns_block(L, i + 1, end, e, 1);
			*(kind == SEC_RETURNS ? &d->has_returns : &d->has_yields) = 1;
		} else if (kind == SEC_PARAMS || kind == SEC_RAISES) {
			int eind = -1;
			ds_entry *cur = NULL;
			for (int k = i + 1; k < end; k++) {
				const ln *l = &L->l[k];
				if (!l->n)
					continue;
				if (eind < 0)
					eind = l->ind;
				ds_entry tmp = { 0 };
				if (l->ind <= eind && google_entry(l, kind == SEC_RAISES, &tmp)) {
					cur = kind == SEC_PARAMS ? add_entry(&d->params, &d->nparams)
								 : add_entry(&d->raises, &d->nraises);
					*cur = tmp;
					cur->line = k + 1;
					if (kind == SEC_PARAMS)
						split_type_default(cur);
				} else if (cur)
					append_desc(cur, l->s, l->n);
			}
		}
		i = end - 1;
	}
}

/* --- NumPy ---------------------------------------------------------------- */

static int is_dashes(const ln *l)
{
	if (l->n < 3)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->s[i] != '-')
			return 0;
	return 1;
}

static int numpy_header(const lines *L, int i)
{
	return i + 1 < L->n && L->l[i].n && is_dashes(&L->l[i + 1]) && !is_dashes(&L->l[i]);
}

static int numpy_kind(const ln *l)
{
	static const struct { const char *name; int kind; } secs[] = {
		{ "parameters", SEC_PARAMS }, { "other parameters", SEC_PARAMS }, { "arguments", SEC_PARAMS },
		{ "keyword arguments", SEC_PARAMS }, { "returns", SEC_RETURNS }, { "return", SEC_RETURNS },
		{ "yields", SEC_YIELDS }, { "raises", SEC_RAISES }, { "examples", SEC_EXAMPLES },
		{ "example", SEC_EXAMPLES }, { "see also", SEC_DROP }, { "references", SEC_DROP },
	};
	for (size_t k = 0; k < sizeof secs / sizeof *secs; k++)
		if (strlen(secs[k].name) == l->n && !strncasecmp(l->s, secs[k].name, l->n))
			return secs[k].kind;
	return SEC_NONE;
}

static void parse_numpy(lines *L, ds_doc *d)
{
	if (!L->has_dashes)
		return;
	for (int i = 0; i + 1 < L->n; i++) {
		if (L->used[i] || !numpy_header(L, i))
			continue;
		int kind = numpy_kind(&L->l[i]);
		if (kind == SEC_NONE)
			continue;
		int base = L->l[i].ind, end = i + 2;
		while (end < L->n && !numpy_header(L, end))
			end++;
		while (end > i + 2 && !L->l[end - 1].n)
			end--;
		for (int k = i; k < end; k++)
			L->used[k] = 1;
		if (kind == SEC_EXAMPLES || kind == SEC_DROP) {
			i = end - 1;
			continue;
		}
		/* entries: lines at the base indentation; descriptions indented under them */
		int nret = 0;
		sb rtype = { 0 }, rdesc = { 0 };
		for (int k = i + 2; k < end; k++) {
			const ln *l = &L->l[k];
			if (!l->n || l->ind > base)
				continue;
			int dend = block_end(L, k, l->ind);
			sb desc = { 0 };
			fold(&desc, L, k + 1, dend);
			const char *colon = NULL;
			for (size_t p = 0; p + 1 < l->n; p++)
				if (l->s[p] == ' ' && l->s[p + 1] == ':') {
					colon = l->s + p + 1;
					break;
				}
			if (!colon && l->s[l->n - 1] == ':')
				colon = l->s + l->n - 1;
			const char *ns = l->s;
			size_t nn = colon ? (size_t)(colon - l->s) : l->n;
			char *type = NULL;
			if (colon) {
				size_t tn = l->n - (size_t)(colon + 1 - l->s);
				type = dup_trim(colon + 1, tn);
				if (!*type) {
					free(type);
					type = NULL;
				}
			}
			char *dtext = sb_take(&desc);
			if (kind == SEC_PARAMS) {	/* "x, y : int" names two parameters */
				const char *p = ns, *e = ns + nn;
				while (p < e) {
					const char *c = memchr(p, ',', (size_t)(e - p));
					const char *q = c ? c : e;
					size_t wn = (size_t)(q - p);
					const char *w = trim(p, &wn);
					if (wn) {
						ds_entry *x = add_entry(&d->params, &d->nparams);
						x->name = dupn(w, wn);
						x->type = type ? strdup(type) : NULL;
						x->desc = *dtext ? strdup(dtext) : NULL;
						x->line = k + 1;
						split_type_default(x);
						default_from_desc(x);
					}
					p = c ? c + 1 : e;
				}
			} else if (kind == SEC_RAISES) {
				ds_entry *x = add_entry(&d->raises, &d->nraises);
				x->name = dup_trim(ns, nn);
				x->desc = *dtext ? strdup(dtext) : NULL;
				x->line = k + 1;
			} else {	/* returns / yields: "type" or "name : type" */
				char *tt = type ? strdup(type) : dup_trim(ns, nn);
				if (nret++) {
					sb_puts(&rtype, ", ");
					sb_puts(&rdesc, "; ");
				}
				sb_puts(&rtype, tt);
				if (type) {	/* named: keep the name with its description */
					size_t wn = nn;
					const char *w = trim(ns, &wn);
					sb_put(&rdesc, w, wn);
					if (*dtext)
						sb_puts(&rdesc, ": ");
				}
				sb_puts(&rdesc, dtext);
				free(tt);
			}
			free(type);
			free(dtext);
			k = dend - 1;
		}
		if (kind == SEC_RETURNS || kind == SEC_YIELDS) {
			ds_entry *e = kind == SEC_RETURNS ? &d->returns : &d->yields;
			entry_free(e);
			memset(e, 0, sizeof *e);
			if (nret > 1) {
				sb t = { 0 };
				sb_puts(&t, "tuple[");
				sb_puts(&t, rtype.b ? rtype.b : "");
				sb_puts(&t, "]");
				e->type = sb_take(&t);
				free(rtype.b);
			} else
				e->type = sb_take(&rtype);
			e->desc = sb_take(&rdesc);
			if (!*e->desc)
				set_str(&e->desc, NULL);
			if (!*e->type)
				set_str(&e->type, NULL);
			e->line = i + 3;
			if (nret)
				*(kind == SEC_RETURNS ? &d->has_returns : &d->has_yields) = 1;
		}
		i = end - 1;
	}
}

/* --- reST (":param x:") and Epydoc ("@param x:") fields -------------------- */

static ds_entry *param_named(ds_doc *d, const char *name, size_t n)
{
	for (int i = 0; i < d->nparams; i++)
		if (strlen(d->params[i].name) == n && !memcmp(d->params[i].name, name, n))
			return &d->params[i];
	ds_entry *e = add_entry(&d->params, &d->nparams);
	e->name = dupn(name, n);
	return e;
}

static int field_is(const char *w, size_t n, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == n && !strncmp(w, *names, n))
			return 1;
	return 0;
}

static void parse_fields(lines *L, ds_doc *d, char lead)
{
	if (lead == ':' ? !L->has_colon_start : !L->has_at_start)
		return;
	static const char *const P[] = { "param", "parameter", "arg", "argument", "key", "keyword", "kwarg", "kwparam", NULL };
	static const char *const TY[] = { "type", NULL };
	static const char *const R[] = { "returns", "return", NULL };
	static const char *const RT[] = { "rtype", "returntype", NULL };
	static const char *const X[] = { "raises", "raise", "except", "exception", "raises-exception", NULL };
	static const char *const Y[] = { "yields", "yield", NULL };
	static const char *const YT[] = { "ytype", NULL };
	for (int i = 0; i < L->n; i++) {
		const ln *l = &L->l[i];
		if (L->used[i] || l->n < 2 || l->s[0] != lead)
			continue;
		/* the field's head ends at the first ':' after the lead */
		const char *c = memchr(l->s + 1, ':', l->n - 1);
		if (!c)
			continue;
		const char *hs = l->s + 1;
		size_t hn = (size_t)(c - hs);
		/* words of the head: field name, then arguments */
		const char *w[8];
		size_t wn[8];
		int nw = 0;
		for (size_t p = 0; p < hn && nw < 8;) {
			while (p < hn && hs[p] == ' ')
				p++;
			if (p >= hn)
				break;
			size_t q = p;
			while (q < hn && hs[q] != ' ')
				q++;
			w[nw] = hs + p, wn[nw++] = q - p;
			p = q;
		}
		if (!nw)
			continue;
		int end = block_end(L, i, l->ind);
		sb body = { 0 };
		size_t rn = l->n - (size_t)(c + 1 - l->s);
		const char *r = trim(c + 1, &rn);
		sb_put(&body, r, rn);
		fold(&body, L, i + 1, end);
		char *text = sb_take(&body);
		int took = 1;
		if (field_is(w[0], wn[0], P) && nw >= 2) {
			ds_entry *e = param_named(d, w[nw - 1], wn[nw - 1]);
			if (!e->line)
				e->line = i + 1;
			if (nw > 2) {	/* ":param int x:" — the type sits between */
				set_str(&e->type, dupn(w[1], (size_t)(w[nw - 1] - w[1])));
				set_str(&e->type, dup_trim(e->type, strlen(e->type)));
			}
			set_str(&e->desc, *text ? strdup(text) : NULL);
			default_from_desc(e);
		} else if (field_is(w[0], wn[0], TY) && nw >= 2) {
			ds_entry *e = param_named(d, w[nw - 1], wn[nw - 1]);
			if (!e->line)
				e->line = i + 1;
			set_str(&e->type, *text ? strdup(text) : NULL);
			split_type_default(e);
		} else if (field_is(w[0], wn[0], R) || field_is(w[0], wn[0], Y)) {
			int y = field_is(w[0], wn[0], Y);
			ds_entry *e = y ? &d->yields : &d->returns;
			set_str(&e->desc, *text ? strdup(text) : NULL);
			if (!e->line)
				e->line = i + 1;
			*(y ? &d->has_yields : &d->has_returns) = 1;
		} else if (field_is(w[0], wn[0], RT) || field_is(w[0], wn[0], YT)) {
			int y = field_is(w[0], wn[0], YT);
			ds_entry *e = y ? &d->yields : &d->returns;
			set_str(&e->type, *text ? strdup(text) : NULL);
			if (!e->line)
				e->line = i + 1;
			*(y ? &d->has_yields : &d->has_returns) = 1;
		} else if (field_is(w[0], wn[0], X)) {
			ds_entry *e = add_entry(&d->raises, &d->nraises);
			e->name = nw >= 2 ? dupn(w[1], (size_t)(w[nw - 1] + wn[nw - 1] - w[1])) : strdup("Exception");
			e->desc = *text ? strdup(text) : NULL;
			e->line = i + 1;
		} else
			took = 0;
		free(text);
		if (took)
			for (int k = i; k < end; k++)
				L->used[k] = 1;
		if (took)
			i = end - 1;
	}
}

/* --- free text ------------------------------------------------------------ */

static void free_text(const lines *L, ds_doc *d)
{
	int i = 0;
	while (i < L->n && (L->used[i] || !L->l[i].n))
		i++;
	sb s = { 0 };
	int a = i;
	while (i < L->n && !L->used[i] && L->l[i].n)
		i++;
	fold(&s, L, a, i);
	d->summary = sb_take(&s);
	sb o = { 0 };
	int gap = 0;
	for (; i < L->n; i++) {
		if (L->used[i] || !L->l[i].n) {
			gap = 1;
			continue;
		}
		if (o.n)
			sb_puts(&o, gap ? "\n\n" : "\n");
		gap = 0;
		for (int k = L->l[i].ind; k > 0; k--)
			sb_put(&o, " ", 1);
		sb_put(&o, L->l[i].s, L->l[i].n);
	}
	d->description = sb_take(&o);
}

/* --- entry points ----------------------------------------------------------- */

static void parse_lines(lines *L, ds_style style, ds_doc *d)
{
	memset(d, 0, sizeof *d);
	memset(L->used, 0, (size_t)L->n);
	d->style = style;
	parse_examples(L, d);
	switch (style) {
	case DS_GOOGLE: parse_google(L, d); break;
	case DS_NUMPY: parse_numpy(L, d); break;
	case DS_REST: parse_fields(L, d, ':'); break;
	case DS_EPYDOC: parse_fields(L, d, '@'); break;
	default: break;
	}
	for (int i = 0; i < d->nparams; i++)
		default_from_desc(&d->params[i]);
	free_text(L, d);
}

static void lines_free(lines *L)
{
	free(L->l);
	free(L->used);
}

void ds_parse_style(const char *text, size_t len, ds_style style, ds_doc *d)
{
	lines L = { 0 };
	lines_split(text ? text : "", text ? len : 0, &L);
	parse_lines(&L, style, d);
	lines_free(&L);
}

void ds_parse(const char *text, size_t len, ds_doc *d)
{
	lines L = { 0 };
	lines_split(text ? text : "", text ? len : 0, &L);
	int want[DS_NSTYLES] = { 0, L.has_colon_end, L.has_dashes, L.has_colon_start, L.has_at_start };
	ds_doc best;
	int have = 0, bestn = 0;
	for (int s = DS_GOOGLE; s < DS_NSTYLES; s++) {
		if (!want[s])
			continue;
		ds_doc cand;
		parse_lines(&L, (ds_style)s, &cand);
		int n = ds_entries(&cand);
		if (n > bestn) {
			if (have)
				ds_free(&best);
			best = cand, bestn = n, have = 1;
		} else
			ds_free(&cand);
	}
	if (!have)
		parse_lines(&L, DS_PLAIN, &best);
	*d = best;
	lines_free(&L);
}

int ds_entries(const ds_doc *d)
{
	return d->nparams + d->nraises + d->has_returns + d->has_yields;
}

void ds_free(ds_doc *d)
{
	free(d->summary);
	free(d->description);
	for (int i = 0; i < d->nparams; i++)
		entry_free(&d->params[i]);
	free(d->params);
	for (int i = 0; i < d->nraises; i++)
		entry_free(&d->raises[i]);
	free(d->raises);
	entry_free(&d->returns);
	entry_free(&d->yields);
	for (int i = 0; i < d->nexamples; i++) {
		free(d->examples[i].source);
		free(d->examples[i].want);
	}
	free(d->examples);
	memset(d, 0, sizeof *d);
}

const char *ds_style_name(ds_style s)
{
	static const char *names[] = { "plain", "google", "numpy", "rest", "epydoc" };
	return s < DS_NSTYLES ? names[s] : "plain";
}

const ds_entry *ds_param(const ds_doc *d, const char *name)
{
	while (*name == '*')
		name++;
	for (int i = 0; i < d->nparams; i++) {
		const char *n = d->params[i].name;
		while (*n == '*')
			n++;
		if (!strcmp(n, name))
			return &d->params[i];
	}
	return NULL;
}

char *ds_cleandoc(const char *s, size_t n, size_t *outlen)
{
	/* expand tabs (8 columns, as str.expandtabs); a NUL ends the text */
	sb x = { 0 };
	sb_put(&x, "", 0);
	size_t col = 0;
	for (size_t i = 0; i < n && s[i]; i++) {
		if (s[i] == '\t') {
			for (size_t k = 8 - col % 8; k; k--, col++)
				sb_put(&x, " ", 1);
		} else {
			sb_put(&x, s + i, 1);
			col = (s[i] == '\n' || s[i] == '\r') ? 0 : col + 1;
		}
	}
	char *t = x.b;
	size_t tn = x.n;
	/* lines as (start, length) */
	size_t cap = 16, nl = 0;
	size_t (*L)[2] = malloc(sizeof *L * cap);
	for (size_t i = 0;;) {
		const char *e = memchr(t + i, '\n', tn - i);
		size_t end = e ? (size_t)(e - t) : tn;
		if (nl == cap)
			L = realloc(L, sizeof *L * (cap *= 2));
		L[nl][0] = i, L[nl++][1] = end - i;
		if (!e)
			break;
		i = end + 1;
	}
	/* margin: the least indentation of non-blank lines after the first */
	size_t margin = (size_t)-1;
	for (size_t k = 1; k < nl; k++) {
		size_t ind = 0;
		while (ind < L[k][1] && isspace((unsigned char)t[L[k][0] + ind]))
			ind++;
		if (ind < L[k][1] && ind < margin)
			margin = ind;
	}
	while (L[0][1] && isspace((unsigned char)t[L[0][0]]))
		L[0][0]++, L[0][1]--;
	for (size_t k = 1; k < nl && margin != (size_t)-1; k++) {
		size_t cut = margin < L[k][1] ? margin : L[k][1];
		L[k][0] += cut, L[k][1] -= cut;
	}
	/* drop leading and trailing empty lines (cleandoc drops only empty ones) */
	size_t a = 0, b = nl;
	while (b > a && !L[b - 1][1])
		b--;
	while (a < b && !L[a][1])
		a++;
	sb o = { 0 };
	sb_put(&o, "", 0);
	for (size_t k = a; k < b; k++) {
		if (k > a)
			sb_put(&o, "\n", 1);
		sb_put(&o, t + L[k][0], L[k][1]);
	}
	free(L);
	free(t);
	if (outlen)
		*outlen = o.n;
	return o.b;
}

char *ds_first_sentence(const char *s, const char **rest)
{
	const char *p = s;
	for (; *p; p++) {
		if ((*p == '.' || *p == '?' || *p == '!') && (p[1] == ' ' || p[1] == '\n' || !p[1])) {
			const char *q = p + 1;
			while (*q == ' ' || *q == '\n')
				q++;
			if (!*q || !(islower((unsigned char)*q))) {
				/* "e.g." and "i.e." end no sentence */
				if (*p == '.' && p - s >= 3 && (p[-2] == '.' || (p[-3] == ' ' && p[-1] == 'c')))
					continue;
				if (rest)
					*rest = q;
				return dupn(s, (size_t)(p + 1 - s));
			}
		}
	}
	if (rest)
		*rest = p;
	return strdup(s);
}

/* --- JSON ----------------------------------------------------------------- */

static jv str_or_null(const char *s)
{
	return s ? jv_string(s) : jv_null();
}

static jv entry_jv(const ds_entry *e, int with_name)
{
	jv o = jv_object();
	if (with_name)
		o = jv_object_set(o, jv_string("name"), str_or_null(e->name));
	o = jv_object_set(o, jv_string("type"), str_or_null(e->type));
	o = jv_object_set(o, jv_string("description"), str_or_null(e->desc));
	if (with_name)
		o = jv_object_set(o, jv_string("default"), str_or_null(e->dflt));
	return o;
}

jv ds_to_jv(const ds_doc *d)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("style"), jv_string(ds_style_name(d->style)));
	o = jv_object_set(o, jv_string("summary"), jv_string(d->summary ? d->summary : ""));
	o = jv_object_set(o, jv_string("description"), jv_string(d->description ? d->description : ""));
	jv ps = jv_array();
	for (int i = 0; i < d->nparams; i++)
		ps = jv_array_append(ps, entry_jv(&d->params[i], 1));
	o = jv_object_set(o, jv_string("parameters"), ps);
	o = jv_object_set(o, jv_string("returns"), d->has_returns ? entry_jv(&d->returns, 0) : jv_null());
	o = jv_object_set(o, jv_string("yields"), d->has_yields ? entry_jv(&d->yields, 0) : jv_null());
	jv rs = jv_array();
	for (int i = 0; i < d->nraises; i++) {
		jv r = jv_object();
		r = jv_object_set(r, jv_string("type"), str_or_null(d->raises[i].name));
		r = jv_object_set(r, jv_string("description"), str_or_null(d->raises[i].desc));
		rs = jv_array_append(rs, r);
	}
	o = jv_object_set(o, jv_string("raises"), rs);
	jv xs = jv_array();
	for (int i = 0; i < d->nexamples; i++) {
		jv x = jv_object();
		x = jv_object_set(x, jv_string("source"), jv_string(d->examples[i].source));
		x = jv_object_set(x, jv_string("want"), jv_string(d->examples[i].want));
		xs = jv_array_append(xs, x);
	}
	o = jv_object_set(o, jv_string("examples"), xs);
	return o;
}
