/* template.c — see template.h. */
#include "gen/template.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "base/strbuf.h"

static jv errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static jv errf(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return jv_invalid_with_msg(jv_string(msg));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

/* Where a Python comment starts on one line: the first '#' outside a string. */
static const char *comment_start(const char *s)
{
	char q = 0;
	for (; *s; s++) {
		if (q) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == q)
				q = 0;
		} else if (*s == '\'' || *s == '"')
			q = *s;
		else if (*s == '#')
			return s;
	}
	return NULL;
}

jv tmpl_split_ops(const char *line)
{
	jv out = jv_array();
	char q = 0;
	int depth = 0;
	const char *start = line, *s;
	for (s = line;; s++) {
		if (*s && q) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == q)
				q = 0;
			continue;
		}
		if (*s == '\'' || *s == '"')
			q = *s;
		else if (*s == '(' || *s == '[' || *s == '{')
			depth++;
		else if (*s == ')' || *s == ']' || *s == '}')
			depth--;
		else if (!*s || (*s == ';' && depth == 0)) {
			char *part = strndup(start, (size_t)(s - start));
			char *t = trim(part);
			if (*t)
				out = jv_array_append(out, jv_string(t));
			free(part);
			if (!*s)
				break;
			start = s + 1;
		}
	}
	return out;
}

static jv subst_once(const char *text, jv binding);

/* Every {{slot}} of text must be bound: checked with combination 0 at load.
 * A value may itself hold slots ({"ret": "[x for x in {{xs}}]"}): they are
 * replaced in a further pass, up to a small depth (no cycles). */
jv tmpl_subst(const char *text, jv binding)
{
	jv r = subst_once(text, binding);
	for (int pass = 0; pass < 4 && jv_is_valid(r) && strstr(jv_string_value(r), "{{"); pass++) {
		jv next = subst_once(jv_string_value(r), binding);
		jv_free(r);
		r = next;
	}
	return r;
}

static jv subst_once(const char *text, jv binding)
{
	size_t cap = strlen(text) + 64, n = 0;
	char *o = malloc(cap);
	const char *s = text;
	while (*s) {
		const char *open = strstr(s, "{{");
		const char *close = open ? strstr(open + 2, "}}") : NULL;
		size_t lit = open && close ? (size_t)(open - s) : strlen(s);
		const char *val = "";
		size_t vlen = 0;
		if (open && close) {
			char key[128];
			size_t kl = (size_t)(close - open - 2);
			if (kl >= sizeof key)
				kl = sizeof key - 1;
			memcpy(key, open + 2, kl);
			key[kl] = 0;
			jv v = jv_object_get(jv_copy(binding), jv_string(trim(key)));
			if (jv_get_kind(v) != JV_KIND_STRING) {
				jv_free(v);
				free(o);
				return errf("unknown slot '%s'", trim(key));
			}
			/* the binding outlives v's reference: borrow its text */
			val = jv_string_value(v);
			vlen = (size_t)jv_string_length_bytes(jv_copy(v));
			jv_free(v);
		}
		if (n + lit + vlen + 1 > cap) {
			cap = 2 * (n + lit + vlen + 1);
			o = realloc(o, cap);
		}
		memcpy(o + n, s, lit);
		n += lit;
		memcpy(o + n, val, vlen);
		n += vlen;
		if (!(open && close))
			break;
		s = close + 2;
	}
	jv r = jv_string_sized(o, (int)n);
	free(o);
	return r;
}

static long combos(jv params)
{
	long c = 1;
	jv_array_foreach(params, i, p) {
		int n = jv_array_length(jv_object_get(p, jv_string("alts")));
		if (c > (1L << 40) / (n ? n : 1))
			return 1L << 40;	/* more than anyone samples */
		c *= n;
	}
	return c;
}

jv tmpl_binding(jv t, long k)
{
	jv b = jv_object();
	jv params = jv_object_get(jv_copy(t), jv_string("params"));
	jv_array_foreach(params, i, p) {
		jv name = jv_object_get(jv_copy(p), jv_string("name"));
		jv alts = jv_object_get(p, jv_string("alts"));
		int n = jv_array_length(jv_copy(alts));
		jv alt = jv_array_get(alts, (int)(k % n));
		k /= n;
		jv_object_foreach(alt, key, val) {
			const char *ks = jv_string_value(key);
			jv slot = *ks ? jv_string_fmt("%s.%s", jv_string_value(name), ks) : jv_copy(name);
			b = jv_object_set(b, slot, val);
			jv_free(key);
		}
		jv_free(alt);
		jv_free(name);
	}
	jv_free(params);
	return b;
}

jv tmpl_header(jv t, const char *key)
{
	jv hdr = jv_object_get(jv_copy(t), jv_string("header"));
	jv r = jv_null();
	jv_array_foreach(hdr, i, kv) {
		jv k = jv_array_get(jv_copy(kv), 0);
		int hit = !strcmp(jv_string_value(k), key);
		jv_free(k);
		if (hit) {
			r = jv_array_get(kv, 1);
			break;
		}
		jv_free(kv);
	}
	jv_free(hdr);
	return r;
}

/* One alternative line of a "--- param" section. */
static jv parse_alt(const char *line)
{
	if (strncmp(line, "{\"", 2))	/* "{{slot}}" is a plain value */
		return jv_object_set(jv_object(), jv_string(""), jv_string(line));
	jv v = jv_parse(line);
	if (!jv_is_valid(v)) {
		jv m = jv_invalid_get_msg(v);
		jv r = errf("bad JSON alternative: %s", jv_string_value(m));
		jv_free(m);
		return r;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT || jv_object_length(jv_copy(v)) == 0) {
		jv_free(v);
		return errf("a JSON alternative must be a non-empty object");
	}
	jv_object_foreach(v, k, x) {
		int bad = jv_get_kind(x) != JV_KIND_STRING;
		jv_free(k);
		jv_free(x);
		if (bad) {
			jv_free(v);
			return errf("alternative values must be strings");
		}
	}
	return v;
}

static int same_keys(jv a, jv b)
{
	jv ka = jv_keys(a), kb = jv_keys(b);
	int eq = jv_equal(ka, kb);
	return eq;
}

/* Sections: what a "--- " line may open. */
enum { S_HEADER, S_PARAM, S_PROMPT, S_CODE, S_INPUTS };

static jv finish_text(jv t, const char *key, char *text)
{
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')	/* trailing blank lines belong to no one */
		text[--n] = 0;
	return jv_object_set(t, jv_string(key), jv_string(text));
}

/* A header line "key: value" appended to *header; an error, or null. */
static jv header_line(char *line, const char *path, int lineno, jv *header)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return jv_null();
	char *colon = strstr(s, ": ");
	if (!colon && s[strlen(s) - 1] == ':')
		colon = s + strlen(s) - 1;
	if (!colon)
		return errf("%s:%d: expected 'key: value': '%s'", path, lineno, s);
	*colon = 0;
	jv kv = JV_ARRAY(jv_string(trim(s)), jv_string(trim(colon + 1)), jv_number(lineno));
	*header = jv_array_append(*header, kv);
	return jv_null();
}

/* One alternative of the param *cur; an error, or null. */
static jv param_line(char *line, const char *path, int lineno, jv *cur)
{
	char *s = trim(line);
	if (!*s || (*s == '#' && s[1] == ' '))
		return jv_null();
	jv alt = parse_alt(s);
	if (!jv_is_valid(alt)) {
		jv m = jv_invalid_get_msg(alt);
		jv err = errf("%s:%d: %s", path, lineno, jv_string_value(m));
		jv_free(m);
		return err;
	}
	jv alts = jv_object_get(jv_copy(*cur), jv_string("alts"));
	if (jv_array_length(jv_copy(alts)) > 0 &&
	    !same_keys(jv_array_get(jv_copy(alts), 0), jv_copy(alt))) {
		jv_free(alts);
		jv_free(alt);
		return errf("%s:%d: every alternative must set the same slots", path, lineno);
	}
	*cur = jv_object_set(*cur, jv_string("alts"), jv_array_append(alts, alt));
	return jv_null();
}

/* One input case ("src  # edge kind") appended to *inputs. */
static void input_line(char *line, int lineno, jv *inputs)
{
	const char *c = comment_start(line);
	char *edge = NULL;
	if (c) {
		edge = trim((char *)c + 1);
		*(char *)c = 0;
	}
	char *s = trim(line);
	if (!*s)
		return;
	jv in = jv_object_set(jv_object(), jv_string("src"), jv_string(s));
	in = jv_object_set(in, jv_string("edge"), edge && *edge ? jv_string(edge) : jv_null());
	in = jv_object_set(in, jv_string("line"), jv_number(lineno));
	*inputs = jv_array_append(*inputs, in);
}

/* The file's sections into t: header (key/value/line), params (each with
 * its alternatives), prompt, code and inputs; an error (invalid) on the
 * first bad line. *have_prompt and *have_code say which texts were seen. */
static jv read_sections(jv t, const char *path, const char *text, size_t len, int *have_prompt, int *have_code)
{
	jv header = jv_array(), params = jv_array(), inputs = jv_array();
	char *copy = strndup(text, len), *save = NULL, *line;
	char *acc = calloc(1, len + 2);		/* prompt or code being collected */
	int sec = S_HEADER, lineno = 0;
	jv cur = jv_null();			/* the param being filled */
	jv err = jv_null();

	/* strtok_r would merge blank lines; walk by hand to keep them in code */
	for (line = copy; line && jv_get_kind(err) == JV_KIND_NULL; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		if (!nl && !*line)
			break;
		lineno++;
		if (!strncmp(line, "--- ", 4)) {
			char *what = trim(line + 4), *arg = what + strcspn(what, " \t");
			if (*arg)
				*arg++ = 0;
			arg = trim(arg);
			if (jv_get_kind(cur) != JV_KIND_NULL) {
				params = jv_array_append(params, cur);
				cur = jv_null();
			}
			if ((sec == S_PROMPT || sec == S_CODE))
				t = finish_text(t, sec == S_PROMPT ? "prompt" : "code", acc);
			acc[0] = 0;
			if (!strcmp(what, "param")) {
				if (!*arg || strspn(arg, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(arg)) {
					err = errf("%s:%d: a param needs a lowercase name: '%s'", path, lineno, arg);
					break;
				}
				sec = S_PARAM;
				cur = jv_object_set(jv_object(), jv_string("name"), jv_string(arg));
				cur = jv_object_set(cur, jv_string("line"), jv_number(lineno));
				cur = jv_object_set(cur, jv_string("alts"), jv_array());
			} else if (!strcmp(what, "prompt") && !*have_prompt)
				sec = S_PROMPT, *have_prompt = 1;
			else if (!strcmp(what, "code") && !*have_code)
				sec = S_CODE, *have_code = 1;
			else if (!strcmp(what, "inputs"))
				sec = S_INPUTS;
			else
				err = errf("%s:%d: unknown or repeated section: '%s'", path, lineno, what);
			continue;
		}
		switch (sec) {
		case S_HEADER:
			err = header_line(line, path, lineno, &header);
			break;
		case S_PARAM:
			err = param_line(line, path, lineno, &cur);
			break;
		case S_PROMPT:
		case S_CODE:
			if (!acc[0] && !*trim(line))	/* leading blank lines */
				continue;
			strcat(acc, line);
			strcat(acc, "\n");
			break;
		case S_INPUTS:
			input_line(line, lineno, &inputs);
			break;
		}
	}
	if (jv_get_kind(err) == JV_KIND_NULL && jv_get_kind(cur) != JV_KIND_NULL) {
		params = jv_array_append(params, cur);
		cur = jv_null();
	}
	if (jv_get_kind(err) == JV_KIND_NULL && (sec == S_PROMPT || sec == S_CODE))
		t = finish_text(t, sec == S_PROMPT ? "prompt" : "code", acc);
	jv_free(cur);
	free(copy);
	free(acc);
	t = jv_object_set(t, jv_string("header"), header);
	t = jv_object_set(t, jv_string("params"), params);
	t = jv_object_set(t, jv_string("inputs"), inputs);
	if (jv_get_kind(err) != JV_KIND_NULL) {
		jv_free(t);
		return err;	/* already jv_invalid_with_msg */
	}
	return t;
}

/* The pieces every template needs: name, category, summary, a kind of
 * function or class, prompt and code, 3..TMPL_MAX_INPUTS inputs, params
 * with alternatives; sets name, category, kind and combos. */
static jv check_required(jv t, const char *path, int have_prompt, int have_code)
{
	static const char *const need[] = { "name", "category", "summary", NULL };
	for (int i = 0; need[i]; i++) {
		jv v = tmpl_header(t, need[i]);
		int ok = jv_get_kind(v) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0;
		if (ok && i < 2)
			t = jv_object_set(t, jv_string(need[i]), jv_copy(v));
		jv_free(v);
		if (!ok) {
			jv_free(t);
			return errf("%s: missing header '%s'", path, need[i]);
		}
	}
	jv kind = tmpl_header(t, "kind");
	if (jv_get_kind(kind) == JV_KIND_NULL)
		kind = jv_string("function");
	if (strcmp(jv_string_value(kind), "function") && strcmp(jv_string_value(kind), "class")) {
		jv r = errf("%s: kind must be 'function' or 'class': '%s'", path, jv_string_value(kind));
		jv_free(kind);
		jv_free(t);
		return r;
	}
	t = jv_object_set(t, jv_string("kind"), kind);
	if (!have_prompt || !have_code) {
		jv_free(t);
		return errf("%s: a template needs '--- prompt' and '--- code' sections", path);
	}
	int nin = jv_array_length(jv_object_get(jv_copy(t), jv_string("inputs")));
	if (nin < 3 || nin > TMPL_MAX_INPUTS) {
		jv_free(t);
		return errf("%s: '--- inputs' needs at least 3 cases and at most %d", path, TMPL_MAX_INPUTS);
	}
	jv ps = jv_object_get(jv_copy(t), jv_string("params"));
	jv_array_foreach(ps, i, p) {
		int n = jv_array_length(jv_object_get(jv_copy(p), jv_string("alts")));
		if (n == 0) {
			jv line = jv_object_get(jv_copy(p), jv_string("line"));
			jv name = jv_object_get(p, jv_string("name"));
			jv r = errf("%s:%d: param '%s' has no alternatives", path,
				    (int)jv_number_value(line), jv_string_value(name));
			jv_free(line);
			jv_free(name);
			jv_free(ps);
			jv_free(t);
			return r;
		}
		jv_free(p);
	}
	t = jv_object_set(t, jv_string("combos"), jv_number((double)combos(ps)));
	jv_free(ps);
	return t;
}

/* Every slot of every text resolves, for every alternative of every
 * param (values may hold slots of their own): round r takes alternative
 * min(r, n-1) of each param, so every alternative is checked once. */
static jv check_slots(jv t, const char *path)
{
	jv texts = JV_ARRAY(jv_object_get(jv_copy(t), jv_string("prompt")),
			    jv_object_get(jv_copy(t), jv_string("code")));
	jv hdr = jv_object_get(jv_copy(t), jv_string("header"));
	jv_array_foreach(hdr, i, kv) {
		texts = jv_array_append(texts, jv_array_get(jv_copy(kv), 0));
		texts = jv_array_append(texts, jv_array_get(kv, 1));
	}
	jv_free(hdr);
	jv ins = jv_object_get(jv_copy(t), jv_string("inputs"));
	jv_array_foreach(ins, i, in)
		texts = jv_array_append(texts, jv_object_get(in, jv_string("src")));
	jv_free(ins);
	int rounds = 1;
	jv ps2 = jv_object_get(jv_copy(t), jv_string("params"));
	jv_array_foreach(ps2, i, p) {
		int n = jv_array_length(jv_object_get(p, jv_string("alts")));
		if (n > rounds)
			rounds = n;
	}
	for (int r = 0; r < rounds; r++) {
		long k = 0, radix = 1;
		jv_array_foreach(ps2, i, p) {
			int n = jv_array_length(jv_object_get(p, jv_string("alts")));
			k += radix * (r < n ? r : n - 1);
			radix *= n;
		}
		jv b = tmpl_binding(t, k);
		jv_array_foreach(texts, i, s) {
			jv x = tmpl_subst(jv_string_value(s), b);
			jv_free(s);
			if (!jv_is_valid(x)) {
				jv m = jv_invalid_get_msg(x);
				jv e = errf("%s: %s", path, jv_string_value(m));
				jv_free(m);
				jv_free(texts);
				jv_free(ps2);
				jv_free(b);
				jv_free(t);
				return e;
			}
			jv_free(x);
		}
		jv_free(b);
	}
	jv_free(ps2);
	jv_free(texts);
	return t;
}

jv tmpl_parse(const char *path, const char *text, size_t len)
{
	int have_prompt = 0, have_code = 0;
	jv t = jv_object_set(jv_object(), jv_string("path"), jv_string(path));
	t = read_sections(t, path, text, len, &have_prompt, &have_code);
	if (jv_is_valid(t))
		t = check_required(t, path, have_prompt, have_code);
	if (jv_is_valid(t))
		t = check_slots(t, path);
	return t;
}

jv tmpl_load(const char *path)
{
	sb buf = { 0 };
	if (sb_read_file(&buf, path) < 0) {
		free(buf.b);
		return errf("cannot read '%s': %s", path, strerror(errno));
	}
	jv t = tmpl_parse(path, buf.b ? buf.b : "", buf.n);
	free(buf.b);
	return t;
}

jv tmpl_info(jv t)
{
	static const char *const keys[][2] = {
		{ "template", "name" }, { "category", "category" }, { "kind", "kind" },
		{ "combinations", "combos" }, { "path", "path" },
	};
	jv r = jv_object();
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		r = jv_object_set(r, jv_string(keys[i][0]), jv_object_get(jv_copy(t), jv_string(keys[i][1])));
	r = jv_object_set(r, jv_string("varies"), tmpl_header(t, "varies"));
	jv_free(t);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.tmpl paths under dir and its direct subdirectories. */
static void collect(const char *dir, int depth, char ***v, int *n, int *cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		struct stat st;
		size_t l = strlen(e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && depth == 0) {
			collect(p, 1, v, n, cap);
			free(p);
		} else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && l > 5 &&
			   !strcmp(e->d_name + l - 5, ".tmpl")) {
			if (*n == *cap)
				*v = realloc(*v, sizeof **v * (*cap = 2 * *cap + 16));
			(*v)[(*n)++] = p;
		} else
			free(p);
	}
	closedir(d);
}

jv tmpl_load_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return errf("cannot open template directory '%s'", dir);
	char **v = NULL;
	int n = 0, cap = 0;
	collect(dir, 0, &v, &n, &cap);
	qsort(v, (size_t)n, sizeof *v, cmp_str);
	jv all = jv_array(), names = jv_object();
	for (int i = 0; i < n; i++) {
		if (!jv_is_valid(all)) {
			free(v[i]);
			continue;
		}
		jv t = tmpl_load(v[i]);
		if (!jv_is_valid(t)) {
			jv_free(all);
			all = t;
		} else {
			jv name = jv_object_get(jv_copy(t), jv_string("name"));
			if (jv_object_has(jv_copy(names), jv_copy(name))) {
				jv_free(all);
				all = errf("%s: template name '%s' is used twice", v[i], jv_string_value(name));
				jv_free(name);
				jv_free(t);
			} else {
				names = jv_object_set(names, name, jv_true());
				all = jv_array_append(all, t);
			}
		}
		free(v[i]);
	}
	free(v);
	jv_free(names);
	if (jv_is_valid(all) && jv_array_length(jv_copy(all)) == 0) {
		jv_free(all);
		return errf("no templates (*.tmpl) in '%s'", dir);
	}
	return all;
}
