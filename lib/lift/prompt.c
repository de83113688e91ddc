/* prompt.c — see prompt.h. */
#include "lift/prompt.h"
#include "base/strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/diag.h"

#define MAX_EXAMPLES 6
#define MAX_EXAMPLE_TEXT 400



static void printf_(sb *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(sb *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ls_oom();
	sb_put(o, s, (size_t)n);
	free(s);
}

int prompt_strategy(const char *name, pr_strategy *s)
{
	static const char *names[] = { "combined", "docstring", "signature", "examples" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i])) {
			*s = (pr_strategy)i;
			return 0;
		}
	return -1;
}

/* A phrasing out of n, fixed by the seed, the record and the part. */
static unsigned pick(unsigned long seed, const char *id, const char *part, unsigned n)
{
	char key[512];
	int k = snprintf(key, sizeof key, "%lu\x1f%s\x1f%s", seed, id, part);
	return (unsigned)(hash64(key, (size_t)(k < (int)sizeof key ? k : (int)sizeof key - 1)) % n);
}

static const char *rec_s(jv rec, const char *key, jv *hold)
{
	*hold = jv_object_get(jv_copy(rec), jv_string(key));
	return jv_get_kind(*hold) == JV_KIND_STRING ? jv_string_value(*hold) : NULL;
}

/* --- leaks ------------------------------------------------------------------------------- */

static const char *strip(const char *s, size_t *n)
{
	while (*n && isspace((unsigned char)*s))
		s++, (*n)--;
	while (*n && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* A line that is only a name ("_spec_state," in a call spread over lines)
 * tells nothing of the implementation: parameter names are in the signature. */
static int just_a_name(const char *s, size_t n)
{
	while (n && strchr(",)]}:", s[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || (unsigned char)s[i] >= 0x80))
			return 0;
	return 1;
}

/* sig: the signature text; a body line that is part of it (a call spread
 * over lines: "context, level)") is not the implementation. */
static int leaks(const lift_fn *f, const char *sig, const char *text, size_t n)
{
	const char *p = f->src + f->body_start, *end = f->src + f->len;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		size_t ln = (size_t)(e - p);
		const char *l = strip(p, &ln);
		if (ln >= PR_LEAK_MIN && !just_a_name(l, ln) && memmem(text, n, l, ln) && !memmem(sig, strlen(sig), l, ln))
			return 1;
		p = e + 1;
	}
	return 0;
}

int prompt_leaks(const lift_fn *f, const char *text, size_t n)
{
	char *sig = lift_signature(f);
	int r = leaks(f, sig, text, n);
	free(sig);
	return r;
}

/* Append part to out, leaving out what would reveal the body: of a line
 * that would, the sentences that do not are kept. Returns the number of
 * lines cut. */
static int put_safe(sb *out, const lift_fn *f, const char *sig, const char *part)
{
	int dropped = 0;
	const char *p = part;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!leaks(f, sig, p, n)) {
			sb_put(out, p, n);
			sb_put(out, "\n", 1);
		} else {
			dropped++;
			sb k = { 0 };
			size_t a = 0;
			while (a < n) {	/* sentences: up to ". ", "? ", "! " or the end */
				size_t i = a;
				while (i < n && !((p[i] == '.' || p[i] == '?' || p[i] == '!') && i + 1 < n && p[i + 1] == ' '))
					i++;
				size_t b = i < n ? i + 1 : n;
				if (!leaks(f, sig, p + a, b - a)) {
					if (k.n)
						sb_put(&k, " ", 1);
					sb_put(&k, p + a, b - a);
				}
				a = b;
				while (a < n && p[a] == ' ')
					a++;
			}
			/* the sentences kept, together, must not spell a body line again */
			if (k.n && !leaks(f, sig, k.b, k.n)) {
				sb_put(out, k.b, k.n);
				sb_put(out, "\n", 1);
			}
			free(k.b);
		}
		p += n + (e ? 1 : 0);
	}
	return dropped;
}

/* --- the parts ------------------------------------------------------------------------------ */

static char *doc_part(const ds_doc *d)
{
	sb o = { 0 };
	sb_puts(&o, d->summary);
	if (d->description && *d->description)
		printf_(&o, "\n\n%s", d->description);
	int np = 0;
	for (int i = 0; i < d->nparams; i++)
		np += d->params[i].desc || d->params[i].type;
	if (np) {
		sb_puts(&o, "\n\nParameters:");
		for (int i = 0; i < d->nparams; i++) {
			const ds_entry *e = &d->params[i];
			if (!e->desc && !e->type)
				continue;
			printf_(&o, "\n- `%s`", e->name);
			if (e->type)
				printf_(&o, " (%s)", e->type);
			if (e->desc)
				printf_(&o, ": %s", e->desc);
			if (e->dflt && (!e->desc || !strstr(e->desc, e->dflt)))
				printf_(&o, " Default: `%s`.", e->dflt);
		}
	}
	for (int y = 0; y < 2; y++) {
		const ds_entry *e = y ? &d->yields : &d->returns;
		if (!(y ? d->has_yields : d->has_returns) || (!e->desc && !e->type))
			continue;
		printf_(&o, "\n\n%s", y ? "Yields" : "Returns");
		if (e->type)
			printf_(&o, " (%s)", e->type);
		printf_(&o, ": %s", e->desc ? e->desc : "a value of that type.");
	}
	if (d->nraises) {
		sb_puts(&o, "\n\nRaises:");
		for (int i = 0; i < d->nraises; i++)
			printf_(&o, "\n- `%s`%s%s", d->raises[i].name, d->raises[i].desc ? ": " : "",
				d->raises[i].desc ? d->raises[i].desc : "");
	}
	return o.b ? o.b : strdup("");
}

static char *sig_part(const lift_fn *f, const char *id, unsigned long seed)
{
	sb o = { 0 };
	char *words = lift_name_words(f->name.s, f->name.n);
	static const char *lead[] = {
		"Its name describes the task: \"%s\".",
		"What it does is told by its name, \"%s\", and its parameters.",
		"The name `%.*s` tells what it does: %s.",
		"Infer its behaviour from the name (\"%s\") and the parameters.",
	};
	unsigned v = pick(seed, id, "signature", 4);
	if (!*words)
		sb_puts(&o, "Infer its behaviour from the parameters.");
	else if (v == 2)
		printf_(&o, lead[2], (int)f->name.n, f->name.s, words);
	else
		printf_(&o, lead[v], words);
	free(words);
	int nann = 0;
	for (int i = 0; i < f->nparams; i++)
		nann += f->params[i].annotation.n > 0;
	int shown = 0;
	for (int i = 0; i < f->nparams; i++) {
		const lift_param *p = &f->params[i];
		if (i == 0 && ((p->name.n == 4 && !memcmp(p->name.s, "self", 4)) || (p->name.n == 3 && !memcmp(p->name.s, "cls", 3))))
			continue;	/* the method's own object says nothing */
		{
			if (!shown++)
				sb_puts(&o, "\n\nParameters:");
			printf_(&o, "\n- `%s%.*s`", p->kind == LP_VARPOS ? "*" : p->kind == LP_VARKW ? "**" : "",
				(int)p->name.n, p->name.s);
			if (p->annotation.n)
				printf_(&o, " (%.*s)", (int)p->annotation.n, p->annotation.s);
			if (p->dflt.n && p->dflt.n < 80 && !memchr(p->dflt.s, '\n', p->dflt.n))
				printf_(&o, ", default `%.*s`", (int)p->dflt.n, p->dflt.s);
			if (p->kind == LP_KWONLY)
				sb_puts(&o, ", keyword-only");
			else if (p->kind == LP_POSONLY)
				sb_puts(&o, ", positional-only");
		}
	}
	if (f->returns.n)
		printf_(&o, "\n\n%s `%.*s`.", f->is_generator ? "It yields; its return annotation is" : "It returns",
			(int)f->returns.n, f->returns.s);
	else if (f->is_generator)
		sb_puts(&o, "\n\nIt is a generator: it yields its results.");
	(void)nann;
	return o.b;
}

static void example_line(sb *o, jv x)
{
	jv fn = jv_object_get(jv_copy(x), jv_string("function"));
	jv args = jv_object_get(jv_copy(x), jv_string("args"));
	jv kw = jv_object_get(jv_copy(x), jv_string("kwargs"));
	jv ret = jv_object_get(jv_copy(x), jv_string("returned"));
	jv rai = jv_object_get(jv_copy(x), jv_string("raised"));
	sb c = { 0 };
	sb_puts(&c, jv_get_kind(fn) == JV_KIND_STRING ? jv_string_value(fn) : "f");
	sb_puts(&c, "(");
	int k = 0;
	if (jv_get_kind(args) == JV_KIND_ARRAY) {
		jv_array_foreach(args, i, a) {
			if (jv_get_kind(a) == JV_KIND_STRING)
				printf_(&c, "%s%s", k++ ? ", " : "", jv_string_value(a));
			jv_free(a);
			(void)i;
		}
	}
	if (jv_get_kind(kw) == JV_KIND_OBJECT) {
		jv keys = jv_keys(jv_copy(kw));	/* sorted: deterministic */
		jv_array_foreach(keys, i, key) {
			jv v = jv_object_get(jv_copy(kw), jv_copy(key));
			if (jv_get_kind(v) == JV_KIND_STRING)
				printf_(&c, "%s%s=%s", k++ ? ", " : "", jv_string_value(key), jv_string_value(v));
			jv_free(v);
			jv_free(key);
			(void)i;
		}
		jv_free(keys);
	}
	sb_puts(&c, ")");
	if (c.n < MAX_EXAMPLE_TEXT) {
		if (jv_get_kind(rai) == JV_KIND_STRING)
			printf_(o, "\n- `%s` raises %s", c.b, jv_string_value(rai));
		else if (jv_get_kind(ret) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(ret)) < MAX_EXAMPLE_TEXT)
			printf_(o, "\n- `%s` returns `%s`", c.b, jv_string_value(ret));
	}
	free(c.b);
	jv_free(x);
	jv_free(fn);
	jv_free(args);
	jv_free(kw);
	jv_free(ret);
	jv_free(rai);
}

static void doctest_lines(sb *o, const char *src, const char *want)
{
	sb_put(o, "\n>>> ", 5);
	for (const char *p = src; *p; p++) {
		if (*p == '\n' && p[1])
			sb_puts(o, "\n... ");
		else if (*p != '\n')
			sb_put(o, p, 1);
	}
	size_t wn = strlen(want);
	while (wn && want[wn - 1] == '\n')
		wn--;
	if (wn) {
		sb_put(o, "\n", 1);
		sb_put(o, want, wn);
	}
}

/* Examples from doctests, traced calls and assert tests; NULL when there are none. */
static char *examples_part(const ds_doc *d, jv rec, const char *id, unsigned long seed)
{
	static const char *label[] = { "Examples:", "For example:", "Expected behaviour:", "It should behave like this:" };
	sb o = { 0 };
	int n = 0;
	sb_puts(&o, label[pick(seed, id, "examples", 4)]);
	for (int i = 0; i < d->nexamples && n < MAX_EXAMPLES; i++) {
		if (strlen(d->examples[i].source) + strlen(d->examples[i].want) > MAX_EXAMPLE_TEXT)
			continue;
		doctest_lines(&o, d->examples[i].source, d->examples[i].want);
		n++;
	}
	if (!d->nexamples) {
		jv dt = jv_object_get(jv_copy(rec), jv_string("doctests"));
		if (jv_get_kind(dt) == JV_KIND_ARRAY) {
			jv_array_foreach(dt, i, x) {
				if (jv_get_kind(x) != JV_KIND_OBJECT) {
					jv_free(x);
					continue;
				}
				jv s = jv_object_get(jv_copy(x), jv_string("source"));
				jv w = jv_object_get(x, jv_string("want"));
				if (n < MAX_EXAMPLES && jv_get_kind(s) == JV_KIND_STRING &&
				    jv_string_length_bytes(jv_copy(s)) < MAX_EXAMPLE_TEXT) {
					doctest_lines(&o, jv_string_value(s), jv_get_kind(w) == JV_KIND_STRING ? jv_string_value(w) : "");
					n++;
				}
				jv_free(s);
				jv_free(w);
				(void)i;
			}
		}
		jv_free(dt);
	}
	jv ex = jv_object_get(jv_copy(rec), jv_string("exec"));
	ex = jv_get_kind(ex) == JV_KIND_OBJECT ? jv_object_get(ex, jv_string("examples")) : (jv_free(ex), jv_null());
	if (jv_get_kind(ex) == JV_KIND_ARRAY) {
		jv_array_foreach(ex, i, x) {
			if (n < MAX_EXAMPLES && jv_get_kind(x) == JV_KIND_OBJECT) {
				size_t before = o.n;
				example_line(&o, jv_copy(x));
				n += o.n > before;
			}
			jv_free(x);
			(void)i;
		}
	}
	jv_free(ex);
	jv tests = jv_object_get(jv_copy(rec), jv_string("tests"));
	if (jv_get_kind(tests) == JV_KIND_ARRAY) {
		jv_array_foreach(tests, i, t) {
			/* statements (assert tests), not repository test ids */
			if (n < MAX_EXAMPLES && jv_get_kind(t) == JV_KIND_STRING) {
				const char *s = jv_string_value(t);
				if (!strstr(s, "::") && !strchr(s, '\n') && strlen(s) < MAX_EXAMPLE_TEXT && !strncmp(s, "assert ", 7)) {
					printf_(&o, "\n- `%s`", s);
					n++;
				}
			}
			jv_free(t);
			(void)i;
		}
	}
	jv_free(tests);
	if (!n) {
		free(o.b);
		return NULL;
	}
	return o.b;
}

/* --- the prompt ------------------------------------------------------------------------------- */

jv prompt_make(const lift_fn *f, jv rec, pr_strategy s, unsigned long seed, jv *source)
{
	const ds_doc *d = &f->ds;
	static const char *strategy_names[] = { "combined", "docstring", "signature", "examples" };
	jv idh, qh, kh;
	const char *id = rec_s(rec, "id", &idh);
	const char *qual = rec_s(rec, "qualname", &qh);
	const char *kind = rec_s(rec, "kind", &kh);
	char idbuf[64];
	if (!id) {	/* no id: the code itself keys the phrasing */
		snprintf(idbuf, sizeof idbuf, "%016llx", (unsigned long long)hash64(f->src, f->len));
		id = idbuf;
	}
	char *sig = lift_signature(f);

	/* what it is: a function, a method of a class, a generator */
	char what[1200];
	const char *dot = qual ? strrchr(qual, '.') : NULL;
	int self = f->nparams && ((f->params[0].name.n == 4 && !memcmp(f->params[0].name.s, "self", 4)) ||
				  (f->params[0].name.n == 3 && !memcmp(f->params[0].name.s, "cls", 3)));
	int method = kind && strcmp(kind, "async") && strcmp(kind, "function")
			     ? (!strcmp(kind, "method") || !strcmp(kind, "classmethod") || !strcmp(kind, "property") ||
				!strcmp(kind, "staticmethod"))
			     : self;
	const char *asy = f->is_async ? "async " : "", *gen = f->is_generator ? "generator " : "";
	if (method && dot && !strstr(qual, "<locals>")) {
		const char *cs = dot;
		while (cs > qual && cs[-1] != '.')
			cs--;
		snprintf(what, sizeof what, "%s%smethod `%s` of class `%.*s`", asy, gen, sig, (int)(dot - cs), cs);
	} else
		snprintf(what, sizeof what, "%s%sfunction `%s`", asy, gen, sig);

	static const char *header[] = {
		"Write a Python %s.",
		"Implement the Python %s as specified below.",
		"Complete the following task in Python by writing the %s.",
		"Your task is to write the %s in Python.",
	};
	sb out = { 0 };
	printf_(&out, header[pick(seed, id, "header", 4)], what);
	sb_put(&out, "\n", 1);

	int has_doc = d->summary && *d->summary;
	char *doc = has_doc ? doc_part(d) : NULL;
	char *ex = examples_part(d, rec, id, seed);
	char *sp = NULL;
	const char *parts[3] = { 0 };
	const char *names[3] = { 0 };
	int np = 0;
	const char *fallback = NULL;
	switch (s) {
	case PR_DOCSTRING:
		if (doc)
			parts[np] = doc, names[np++] = "docstring";
		else
			fallback = "no docstring";
		break;
	case PR_EXAMPLES:
		if (ex)
			parts[np] = ex, names[np++] = "examples";
		else if (doc)
			parts[np] = doc, names[np++] = "docstring", fallback = "no examples";
		else
			fallback = "no examples, no docstring";
		break;
	case PR_SIGNATURE:
		break;
	case PR_COMBINED:
		if (doc)
			parts[np] = doc, names[np++] = "docstring";
		if (ex)
			parts[np] = ex, names[np++] = "examples";
		if (!doc)
			fallback = "no docstring";
		break;
	}
	if (!doc || s == PR_SIGNATURE) {	/* the signature speaks when the docstring does not */
		if (s == PR_SIGNATURE || !np || (s == PR_COMBINED && !doc)) {
			sp = sig_part(f, id, seed);
			memmove(parts + 1, parts, sizeof *parts * (size_t)np);
			memmove(names + 1, names, sizeof *names * (size_t)np);
			parts[0] = sp, names[0] = "signature";
			np++;
		}
	}
	int dropped = 0, kept = 0;
	for (int i = 0; i < np; i++) {
		sb_put(&out, "\n", 1);
		size_t before = out.n;
		dropped += put_safe(&out, f, sig, parts[i]);
		kept += out.n > before + 1;	/* more than a blank line survived */
	}
	if (!kept && !sp) {	/* everything would have revealed the body: the signature speaks */
		sp = sig_part(f, id, seed);
		sb_put(&out, "\n", 1);
		dropped += put_safe(&out, f, sig, sp);
		names[np++] = "signature";
		fallback = "the docstring reveals the body";
	}
	while (out.n && out.b[out.n - 1] == '\n')
		out.b[--out.n] = 0;

	sb src = { 0 };
	printf_(&src, "%s:", strategy_names[s]);
	for (int i = 0; i < np; i++)
		printf_(&src, "%s%s", i ? "+" : "", names[i]);
	if (fallback)
		printf_(&src, " (fallback: %s)", fallback);
	if (dropped)
		printf_(&src, " (%d line%s cut: would reveal the body)", dropped, dropped > 1 ? "s" : "");
	*source = jv_string(src.b);
	free(src.b);

	jv r = jv_string(out.b);
	free(out.b);
	free(doc);
	free(ex);
	free(sp);
	free(sig);
	jv_free(idh);
	jv_free(qh);
	jv_free(kh);
	return r;
}
