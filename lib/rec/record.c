/* record.c — JSONL reading and writing; see record.h.
 *
 * The reader is our own rather than stdio's getline so that an over-long
 * line (a binary file piped in by mistake) is skipped in bounded memory
 * instead of being buffered whole. Each line is parsed alone with
 * jv_parse_sized: jq's streaming parser drops everything after an error. */
#include "rec/record.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/hash.h"
#include "base/utf8.h"


struct rec_reader {
	char *const *files;
	int nfiles, next_file, flags;
	int fd;			/* -1 between files */
	const char *fname;	/* display name of the current file */
	long line, rec_line_no;
	const char *rec_fname;
	char *buf;
	size_t cap, start, end;	/* unread bytes are buf[start..end) */
	int eof;
	size_t max_line;
	size_t malformed, unreadable;
	size_t done, total;
	const volatile sig_atomic_t *stop;
};

void rec_reader_stop_on(rec_reader *r, const volatile sig_atomic_t *flag)
{
	r->stop = flag;
}

char *rec_quote(char *b, size_t cap, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0, i = 0;
	if (cap < 8)
		return cap ? (*b = 0, b) : b;
	for (; i < n && i < max && k + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t u = 0;
		if (c >= 0x80) {	/* a whole valid UTF-8 sequence passes */
			u = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
			if (u && (i + u > n || i + u > max || k + u + 8 >= cap || !utf8_valid(s + i, u)))
				u = 0;
		}
		if (u) {
			memcpy(b + k, s + i, u);
			k += u;
			i += u - 1;
		} else if (c < 0x20 || c == 0x7f || c >= 0x80) {
			b[k++] = '\\';
			b[k++] = 'x';
			b[k++] = hex[c >> 4];
			b[k++] = hex[c & 15];
		} else
			b[k++] = (char)c;
	}
	if (i < n)
		k += (size_t)snprintf(b + k, cap - k, "...");
	b[k] = 0;
	return b;
}

rec_reader *rec_reader_open(char *const *files, int nfiles, int flags)
{
	rec_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->files = files;
	r->nfiles = nfiles;
	r->flags = flags;
	r->fd = -1;
	r->cap = 1 << 20;
	r->buf = malloc(r->cap);
	r->max_line = REC_MAX_LINE_DEFAULT;
	r->fname = "<stdin>";
	if (!r->buf) {
		free(r);
		return NULL;
	}
	return r;
}

void rec_reader_set_max_line(rec_reader *r, size_t max)
{
	r->max_line = max;
}

static void say(rec_reader *r, const char *fmt, const char *detail)
{
	fprintf(stderr, "%s: %s:%ld: ", ls_progname ? ls_progname : "ls", r->fname, r->line);
	fprintf(stderr, fmt, detail);
	fputc('\n', stderr);
}

/* Open the next file; 0 when there are none left. */
static int open_next(rec_reader *r)
{
	for (;;) {
		if (r->nfiles == 0) {
			if (r->next_file++ > 0)
				return 0;
			r->fd = 0;
			r->fname = "<stdin>";
		} else {
			if (r->next_file >= r->nfiles)
				return 0;
			const char *f = r->files[r->next_file++];
			if (!strcmp(f, "-")) {
				r->fd = 0;
				r->fname = "<stdin>";
			} else if ((r->fd = open(f, O_RDONLY | O_CLOEXEC)) < 0) {
				fprintf(stderr, "%s: cannot open '%s': %s\n", ls_progname, f, strerror(errno));
				r->unreadable++;
				continue;
			} else
				r->fname = f;
		}
		struct stat st;
		if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
			r->total += (size_t)st.st_size;
		r->line = 0;
		r->start = r->end = 0;
		r->eof = 0;
		return 1;
	}
}

static void close_cur(rec_reader *r)
{
	if (r->fd > 0)
		close(r->fd);
	r->fd = -1;
}

/* Fill more bytes after buf[end]; returns bytes read, 0 at EOF. */
static ssize_t fill(rec_reader *r)
{
	if (r->start > 0 && r->start == r->end)
		r->start = r->end = 0;
	if (r->end == r->cap) {
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		} else {
			size_t ncap = r->cap * 2;
			char *nb = realloc(r->buf, ncap);
			if (!nb)
				return -1;
			r->buf = nb;
			r->cap = ncap;
		}
	}
	ssize_t n;
	/* Wait in poll, so that a stop flag set by a signal ends a read that
	 * would block on a quiet pipe (reads restart after a signal). */
	while (r->stop) {
		if (*r->stop)
			return 0;
		struct pollfd pf = { .fd = r->fd, .events = POLLIN };
		if (poll(&pf, 1, 100) > 0)
			break;	/* else a timeout or a signal: look at the flag again */
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR && !(r->stop && *r->stop));
	if (n < 0) {
		fprintf(stderr, "%s: %s: read error: %s\n", ls_progname, r->fname, strerror(errno));
		r->unreadable++;
		return 0;
	}
	r->end += (size_t)n;
	r->done += (size_t)n;
	return n;
}

/* The next raw line of the current file into s, n (without its line end).
 * Returns 1, 0 at EOF of this file, or 2 for a line over max_line (skipped). */
static int next_line(rec_reader *r, char **s, size_t *n)
{
	size_t off = 0;	/* bytes after r->start already searched for a newline */
	for (;;) {
		char *nl = memchr(r->buf + r->start + off, '\n', r->end - r->start - off);
		if (nl) {
			*s = r->buf + r->start;
			*n = (size_t)(nl - *s);
			r->start = (size_t)(nl - r->buf) + 1;
			r->line++;
			if (*n > r->max_line)
				return 2;
			if (*n && (*s)[*n - 1] == '\r')
				(*n)--;
			return 1;
		}
		off = r->end - r->start;
		if (off > r->max_line) {
			/* Over-long: drop what we have and skip to the next newline. */
			r->line++;
			for (;;) {
				r->start = r->end = 0;
				if (fill(r) <= 0) {
					r->eof = 1;
					return 2;
				}
				nl = memchr(r->buf, '\n', r->end);
				if (nl) {
					r->start = (size_t)(nl - r->buf) + 1;
					return 2;
				}
			}
		}
		if (r->eof || fill(r) <= 0) {
			r->eof = 1;
			if (r->end > r->start) {	/* last line without a newline */
				*s = r->buf + r->start;
				*n = r->end - r->start;
				r->start = r->end;
				r->line++;
				if (*n && (*s)[*n - 1] == '\r')
					(*n)--;
				return 1;
			}
			return 0;
		}
	}
}

int rec_next(rec_reader *r, jv *out)
{
	for (;;) {
		if (r->fd < 0 && !open_next(r))
			return 0;
		char *s;
		size_t n;
		int k = next_line(r, &s, &n);
		if (k == 0) {
			close_cur(r);
			continue;
		}
		r->rec_fname = r->fname;
		r->rec_line_no = r->line;
		if (k == 2) {
			char d[64];
			snprintf(d, sizeof d, "%zu", r->max_line);
			say(r, "line longer than %s bytes, skipped", d);
			r->malformed++;
			continue;
		}
		if (r->line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {	/* a byte order mark */
			s += 3;
			n -= 3;
		}
		size_t i = 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			continue;	/* blank line */
		if (!utf8_valid(s, n)) {
			say(r, "invalid UTF-8%s", "");
			r->malformed++;
			continue;
		}
		if ((r->flags & REC_TEXT_OK) && s[i] != '{') {
			if (s[i] == '#')
				continue;	/* a comment in a list of paths */
			size_t e = n;
			while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
				e--;
			*out = jv_string_sized(s + i, (int)(e - i));
			return 1;
		}
		jv v = rec_parse(s, n);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);
			/* jq's message repeats the whole line raw: keep its first part, quote the line ourselves */
			const char *m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid";
			const char *cut = strstr(m, " (while parsing");
			char d[2048], q[1024], qm[512];
			rec_quote(qm, sizeof qm, m, cut ? (size_t)(cut - m) : strlen(m), 200);
			snprintf(d, sizeof d, "%s: '%s'", qm, rec_quote(q, sizeof q, s, n, 200));
			say(r, "malformed JSON: %s", d);
			jv_free(msg);
			r->malformed++;
			continue;
		}
		if (jv_get_kind(v) != JV_KIND_OBJECT && !(r->flags & REC_ANY_VALUE)) {
			say(r, "not a JSON object: %s", jv_kind_name(jv_get_kind(v)));
			jv_free(v);
			r->malformed++;
			continue;
		}
		*out = v;
		return 1;
	}
}

const char *rec_file(const rec_reader *r) { return r->rec_fname ? r->rec_fname : r->fname; }
long rec_line(const rec_reader *r) { return r->rec_line_no; }
size_t rec_malformed(const rec_reader *r) { return r->malformed; }
size_t rec_unreadable(const rec_reader *r) { return r->unreadable; }

void rec_reader_bytes(const rec_reader *r, size_t *done, size_t *total)
{
	*done = r->done - (r->end - r->start);	/* up to the last line taken, not read ahead */
	*total = r->total;
}

void rec_reader_close(rec_reader *r)
{
	if (!r)
		return;
	close_cur(r);
	free(r->buf);
	free(r);
}

/* --- number literals ------------------------------------------------------
 *
 * jq 1.6 keeps numbers as doubles, so 9007199254740993 would come out as
 * ...992 and 1E400 as 1.7976931348623157e+308: a tool would change a field
 * it does not own. A literal whose value a double cannot keep is interned
 * here, and its number jv carries the index in the fields jv leaves unused
 * for numbers (pad_ marks it, size holds the index + 1): jv_copy, objects
 * and arrays keep the struct as it is, any arithmetic makes a new number
 * without the mark, and the writer prints the literal verbatim. Literals of
 * 15 significant digits or fewer always survive, so the common line costs
 * one scan of its bytes outside strings and nothing more. */

#define LIT_MARK 0xa5
#define LIT_CHUNK 4096
#define LIT_CHUNKS 65536

static struct {
	pthread_mutex_t mu;
	char **chunk[LIT_CHUNKS];	/* never moved: readers need no lock */
	int n;
	int *slots;			/* open addressing over indexes + 1, for interning */
	size_t nslots;
} lit = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *lit_get(int i)
{
	return lit.chunk[i / LIT_CHUNK][i % LIT_CHUNK];
}

/* The index of the interned literal s[0..n), or -1 when the table is full. */
static int lit_intern(const char *s, size_t n)
{
	pthread_mutex_lock(&lit.mu);
	int r = -1;
	if ((size_t)lit.n * 2 >= lit.nslots) {	/* grow the index and rehash */
		size_t ns = lit.nslots ? lit.nslots * 2 : 1024;
		int *sl = calloc(ns, sizeof *sl);
		if (!sl)
			goto out;
		for (int i = 0; i < lit.n; i++) {
			const char *t = lit_get(i);
			size_t h = (size_t)hash64(t, strlen(t)) & (ns - 1);
			while (sl[h])
				h = (h + 1) & (ns - 1);
			sl[h] = i + 1;
		}
		free(lit.slots);
		lit.slots = sl;
		lit.nslots = ns;
	}
	size_t h = (size_t)hash64(s, n) & (lit.nslots - 1);
	for (; lit.slots[h]; h = (h + 1) & (lit.nslots - 1)) {
		const char *t = lit_get(lit.slots[h] - 1);
		if (strlen(t) == n && !memcmp(t, s, n)) {
			r = lit.slots[h] - 1;
			goto out;
		}
	}
	if (lit.n >= LIT_CHUNK * LIT_CHUNKS)
		goto out;
	if (!lit.chunk[lit.n / LIT_CHUNK] && !(lit.chunk[lit.n / LIT_CHUNK] = calloc(LIT_CHUNK, sizeof(char *))))
		goto out;
	char *copy = strndup(s, n);
	if (!copy)
		goto out;
	lit.chunk[lit.n / LIT_CHUNK][lit.n % LIT_CHUNK] = copy;
	lit.slots[h] = lit.n + 1;
	r = lit.n++;
out:
	pthread_mutex_unlock(&lit.mu);
	return r;
}

const char *rec_number_literal(jv v)
{
	if (jv_get_kind(v) != JV_KIND_NUMBER || v.pad_ != LIT_MARK || v.size <= 0)
		return NULL;
	return lit_get(v.size - 1);
}

/* The writer's text for a double: what jq -c prints. */
static size_t num_text(double d, char *b, size_t cap)
{
	if (d == (double)(long long)d && d > -1e15 && d < 1e15 && !(d == 0 && signbit(d)))
		return (size_t)snprintf(b, cap, "%lld", (long long)d);
	jv s = jv_dump_string(jv_number(d), 0);	/* jq's shortest round-trip format */
	size_t n = (size_t)snprintf(b, cap, "%s", jv_string_value(s));
	jv_free(s);
	return n;
}

/* A decimal literal as sign, significant digits (no leading or trailing
 * zeros) and the power of ten of its first digit; 0 if it is not one. */
static int decimal_norm(const char *s, size_t n, int *neg, char *dig, size_t cap, long *exp10)
{
	size_t i = 0, k = 0;
	long e = 0, point = -1, lead = 0;
	int seen = 0;
	*neg = i < n && s[i] == '-';
	if (*neg)
		i++;
	for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++) {
		if (s[i] == '.') {
			point = (long)(k + (size_t)lead);
			continue;
		}
		if (!seen && s[i] == '0') {
			lead++;
			continue;
		}
		seen = 1;
		if (k + 1 < cap)
			dig[k++] = s[i];
		else
			return 0;
	}
	long intdigits = point >= 0 ? point : (long)k + lead;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		char *end;
		errno = 0;
		e = strtol(s + i + 1, &end, 10);
		if (errno || end != s + n)
			return 0;
	} else if (i != n)
		return 0;
	while (k > 0 && dig[k - 1] == '0')
		k--;
	dig[k] = 0;
	*exp10 = k ? e + intdigits - lead - 1 : 0;
	if (!k)
		*neg = 0;	/* -0 and 0 differ as doubles only */
	return 1;
}

/* Would the number literal s[0..n) come out of the writer with another value? */
static int literal_lossy(const char *s, size_t n)
{
	/* Fast: at most 15 significant digits and a modest exponent round-trip. */
	size_t sig = 0, i = 0;
	int seen = 0, tail0 = 0;
	for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (s[i] != '0' || seen) {
			seen = 1;
			sig++;
			tail0 = s[i] == '0' ? tail0 + 1 : 0;
		}
	}
	if (sig - (size_t)tail0 <= 15 && (i == n || n - i <= 3) && n < 40)
		return 0;
	char buf[512], txt[64], d1[512], d2[64];
	if (n >= sizeof buf)
		return 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	double d = strtod(buf, NULL);
	if (!isfinite(d))
		return 1;
	size_t m = num_text(d, txt, sizeof txt);
	int n1, n2;
	long e1, e2;
	if (!decimal_norm(s, n, &n1, d1, sizeof d1, &e1) || !decimal_norm(txt, m, &n2, d2, sizeof d2, &e2))
		return 1;
	return n1 != n2 || e1 != e2 || strcmp(d1, d2);
}

static inline int is_num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* The end of the JSON string that starts at s[i] == '"', or n. */
static size_t string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n;) {
		const char *q = memchr(s + i, '"', n - i);
		if (!q)
			return n;
		size_t k = (size_t)(q - s), b = k;
		while (b > i && s[b - 1] == '\\')
			b--;
		i = k + 1;
		if (((k - b) & 1) == 0)
			return i;
	}
	return n;
}

static int line_has_lossy(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '"')
			i = string_end(s, n, i);
		else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i;
			while (j < n && is_num_char(s[j]))
				j++;
			if (literal_lossy(s + i, j - i))
				return 1;
			i = j;
		} else
			i++;
	}
	return 0;
}

/* Walk the text at *p and the parsed value v in step, marking the numbers
 * whose literal must be kept. Consumes v, returns it (marked). A duplicate
 * key leaves the text and the value out of step: mismatched parts are
 * skipped, and the last occurrence wins, as in the value. */
static jv mark(const char **p, const char *end, jv v);

static void skip_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

static jv mark_container(const char **p, const char *end, jv v, int object)
{
	int ok = jv_get_kind(v) == (object ? JV_KIND_OBJECT : JV_KIND_ARRAY);
	char close = object ? '}' : ']';
	(*p)++;
	for (int i = 0;; i++) {
		skip_ws(p, end);
		if (*p >= end || **p == close) {
			(*p)++;
			return v;
		}
		jv key = jv_null();
		if (object) {
			const char *k0 = *p;
			size_t kn = string_end(k0, (size_t)(end - k0), 0);
			*p = k0 + kn;
			key = jv_parse_sized(k0, (int)kn);
			skip_ws(p, end);
			if (*p < end && **p == ':')
				(*p)++;
			skip_ws(p, end);
		}
		int usable = ok && (!object || jv_get_kind(key) == JV_KIND_STRING);
		jv child = !usable ? jv_invalid() : object ? jv_object_get(jv_copy(v), jv_copy(key))
							: jv_array_get(jv_copy(v), i);
		child = mark(p, end, child);
		if (usable && jv_is_valid(child))
			v = object ? jv_object_set(v, key, child) : jv_array_set(v, i, child);
		else {
			jv_free(key);
			jv_free(child);
		}
		skip_ws(p, end);
		if (*p < end && **p == ',')
			(*p)++;
	}
}

static jv mark(const char **p, const char *end, jv v)
{
	skip_ws(p, end);
	if (*p >= end)
		return v;
	char c = **p;
	if (c == '{' || c == '[')
		return mark_container(p, end, v, c == '{');
	if (c == '"') {
		*p += string_end(*p, (size_t)(end - *p), 0);
		return v;
	}
	const char *s = *p;
	while (*p < end && (is_num_char(**p) || (**p >= 'a' && **p <= 'z')))
		(*p)++;
	if (jv_get_kind(v) != JV_KIND_NUMBER || !(c == '-' || (c >= '0' && c <= '9')))
		return v;
	size_t n = (size_t)(*p - s);
	char buf[512];
	if (n >= sizeof buf)
		return v;
	memcpy(buf, s, n);
	buf[n] = 0;
	double d = strtod(buf, NULL);	/* an overflow is infinite in jv too */
	if (d != jv_number_value(v))
		return v;	/* not this occurrence's value */
	jv plain = jv_number(jv_number_value(v));
	if (!literal_lossy(s, n))
		return plain;
	int i = lit_intern(s, n);
	if (i < 0)
		return plain;
	plain.pad_ = LIT_MARK;
	plain.size = i + 1;
	return plain;
}

jv rec_parse(const char *s, size_t n)
{
	jv v = jv_parse_sized(s, (int)n);
	if (jv_is_valid(v) && line_has_lossy(s, n)) {
		const char *p = s;
		v = mark(&p, s + n, v);
	}
	return v;
}

/* --- writing ------------------------------------------------------------ */

/* Our own serializer: the same bytes as jv_dump_string(v, 0) (jq's compact
 * output), about four times faster, because it writes runs of plain
 * characters at once instead of going character by character. */
typedef struct {
	char *b;
	size_t n, cap;
} outbuf;

static void ob_put(outbuf *o, const char *s, size_t n)
{
	if (o->n + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->n + n)
			cap *= 2;
		char *b = realloc(o->b, cap);
		if (!b)
			abort();
		o->b = b;
		o->cap = cap;
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
}

static void ob_string(outbuf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	ob_put(o, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;	/* UTF-8 bytes are >= 0x80: written as they are */
		ob_put(o, s + run, i - run);
		run = i + 1;
		char e[6] = { '\\', 0, '0', '0', hex[c >> 4], hex[c & 15] };
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\t': e[1] = 't'; break;
		case '\r': e[1] = 'r'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default: e[1] = 'u'; ob_put(o, e, 6); continue;
		}
		ob_put(o, e, 2);
	}
	ob_put(o, s + run, n - run);
	ob_put(o, "\"", 1);
}

static void ob_value(outbuf *o, jv v, int sorted)	/* does not consume v */
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: ob_put(o, "null", 4); break;
	case JV_KIND_TRUE: ob_put(o, "true", 4); break;
	case JV_KIND_FALSE: ob_put(o, "false", 5); break;
	case JV_KIND_NUMBER: {
		if (v.pad_ == LIT_MARK && v.size > 0) {	/* a literal a double cannot keep */
			const char *l = lit_get(v.size - 1);
			ob_put(o, l, strlen(l));
			break;
		}
		char b[64];
		ob_put(o, b, num_text(jv_number_value(v), b, sizeof b));
		break;
	}
	case JV_KIND_STRING:
		ob_string(o, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_ARRAY: {
		ob_put(o, "[", 1);
		int n = jv_array_length(jv_copy(v));
		for (int i = 0; i < n; i++) {
			if (i)
				ob_put(o, ",", 1);
			jv x = jv_array_get(jv_copy(v), i);
			ob_value(o, x, sorted);
			jv_free(x);
		}
		ob_put(o, "]", 1);
		break;
	}
	case JV_KIND_OBJECT: {
		if (sorted) {	/* jv_keys sorts as jq's JV_PRINT_SORTED does */
			ob_put(o, "{", 1);
			jv keys = jv_keys(jv_copy(v));
			jv_array_foreach(keys, i, k) {
				if (i)
					ob_put(o, ",", 1);
				ob_string(o, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
				ob_put(o, ":", 1);
				jv x = jv_object_get(jv_copy(v), k);
				ob_value(o, x, sorted);
				jv_free(x);
			}
			jv_free(keys);
			ob_put(o, "}", 1);
			break;
		}
		ob_put(o, "{", 1);
		int first = 1;
		for (int it = jv_object_iter(v); jv_object_iter_valid(v, it); it = jv_object_iter_next(v, it)) {
			if (!first)
				ob_put(o, ",", 1);
			first = 0;
			jv k = jv_object_iter_key(v, it);
			ob_string(o, jv_string_value(k), (size_t)jv_string_length_bytes(jv_copy(k)));
			jv_free(k);
			ob_put(o, ":", 1);
			jv x = jv_object_iter_value(v, it);
			ob_value(o, x, 0);
			jv_free(x);
		}
		ob_put(o, "}", 1);
		break;
	}
	default:	/* invalid: jq prints nothing useful either */
		ob_put(o, "null", 4);
	}
}

static inline char *put_char(char *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {	/* UTF-8 bytes are >= 0x80 */
		*w++ = (char)c;
		return w;
	}
	*w++ = '\\';
	switch (c) {
	case '"': *w++ = '"'; break;
	case '\\': *w++ = '\\'; break;
	case '\n': *w++ = 'n'; break;
	case '\t': *w++ = 't'; break;
	case '\r': *w++ = 'r'; break;
	case '\b': *w++ = 'b'; break;
	case '\f': *w++ = 'f'; break;
	default: memcpy(w, "u00", 3); w[3] = hex[c >> 4]; w[4] = hex[c & 15]; w += 5;
	}
	return w;
}

/* The bytes of x (little-endian order) that need escaping (below 0x20,
 * '"', '\\', 0x7f) have their high bit set in the result; bytes above the
 * lowest such byte may be flagged wrongly (borrows), so only the lowest
 * flag is exact, and "none" is exact. Bytes >= 0x80 are never flagged. */
static inline uint64_t word_specials(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d)) & high;
}

char *rec_put_string(char *w0, const char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ull;
	char *w = w0;
	uint64_t hi = 0;	/* any byte >= 0x80: then the text must be checked as UTF-8 */
	*w++ = '"';
	size_t i = 0;
	while (i + 8 <= n) {	/* 8 bytes at a time up to the next byte to escape */
		uint64_t x;
		memcpy(&x, s + i, 8);
		hi |= x;
		uint64_t sp = word_specials(x);
		if (!sp) {
			memcpy(w, &x, 8);
			w += 8;
			i += 8;
			continue;
		}
		size_t k = (size_t)__builtin_ctzll(sp) / 8;	/* the first one: exact */
		memcpy(w, &x, 8);	/* the plain bytes before it (the rest is overwritten) */
		w = put_char(w + k, (unsigned char)s[i + k]);
		i += k + 1;
	}
	for (; i < n; i++) {
		hi |= (unsigned char)s[i];
		w = put_char(w, (unsigned char)s[i]);
	}
	*w++ = '"';
	if ((hi & high) && !utf8_valid(s, n)) {	/* jv's replacement characters, then the same escaping */
		jv bad = jv_string_sized(s, (int)n);
		w = rec_put_string(w0, jv_string_value(bad), (size_t)jv_string_length_bytes(jv_copy(bad)));
		jv_free(bad);
	}
	return w;
}

char *rec_dump(jv rec, size_t *len)
{
	outbuf o = { 0 };
	ob_value(&o, rec, 0);
	jv_free(rec);
	ob_put(&o, "", 1);
	if (len)
		*len = o.n - 1;
	return o.b;
}

int rec_write(FILE *f, jv rec)
{
	static __thread outbuf o;
	o.n = 0;
	ob_value(&o, rec, 0);
	jv_free(rec);
	ob_put(&o, "\n", 1);
	int rc = fwrite(o.b, 1, o.n, f) == o.n ? 0 : -1;
	if (o.cap > (1u << 24)) {	/* do not keep a huge record's buffer */
		free(o.b);
		o = (outbuf){ 0 };
	}
	return rc;
}

/* The bytes of jv_dump_string(rec, JV_PRINT_SORTED), with kept literals. */
char *rec_canonical(jv rec, size_t *len)
{
	outbuf o = { 0 };
	ob_value(&o, rec, 1);
	jv_free(rec);
	ob_put(&o, "", 1);
	if (len)
		*len = o.n - 1;
	return o.b;
}

const char *rec_str(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return NULL;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	const char *s = NULL;
	/* Borrowed: obj still holds a reference to the string, so the pointer stays valid. */
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	jv_free(v);
	return s;
}

int rec_get_str(jv obj, const char *key, const char **out, char *err, size_t errsz)
{
	*out = NULL;
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return 0;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	jv_kind k = jv_get_kind(v);
	jv_free(v);
	if (k == JV_KIND_STRING)
		*out = rec_str(obj, key);
	else if (k != JV_KIND_INVALID && k != JV_KIND_NULL) {
		snprintf(err, errsz, "field '%s' is %s %s, not a string", key,
			 k == JV_KIND_ARRAY || k == JV_KIND_OBJECT ? "an" : "a", jv_kind_name(k));
		return -1;
	}
	return 0;
}

double rec_num(jv obj, const char *key, double dflt)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return dflt;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
	jv_free(v);
	return d;
}

int rec_bool(jv obj, const char *key, int dflt)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return dflt;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	jv_kind k = jv_get_kind(v);
	jv_free(v);
	return k == JV_KIND_TRUE ? 1 : k == JV_KIND_FALSE ? 0 : dflt;
}

jv rec_path(jv obj, const char *dotted)
{
	jv cur = jv_copy(obj);
	const char *p = dotted;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (jv_get_kind(cur) != JV_KIND_OBJECT) {
			jv_free(cur);
			return jv_null();
		}
		jv v = jv_object_get(cur, jv_string_sized(p, (int)n));
		if (!jv_is_valid(v)) {
			jv_free(v);
			return jv_null();
		}
		cur = v;
		p += n + (dot ? 1 : 0);
	}
	return cur;
}
