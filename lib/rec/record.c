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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
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
};

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
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
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
		jv v = jv_parse_sized(s, (int)n);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);
			say(r, "malformed JSON: %s", jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid");
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
	*done = r->done;
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

static void ob_value(outbuf *o, jv v)	/* does not consume v */
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: ob_put(o, "null", 4); break;
	case JV_KIND_TRUE: ob_put(o, "true", 4); break;
	case JV_KIND_FALSE: ob_put(o, "false", 5); break;
	case JV_KIND_NUMBER: {
		double d = jv_number_value(v);
		if (d == (double)(long long)d && d > -1e15 && d < 1e15 && !(d == 0 && signbit(d))) {
			char b[24];
			int k = snprintf(b, sizeof b, "%lld", (long long)d);
			ob_put(o, b, (size_t)k);
		} else {	/* jq's own shortest round-trip format for the rest */
			jv s = jv_dump_string(jv_number(d), 0);
			ob_put(o, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
			jv_free(s);
		}
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
			ob_value(o, x);
			jv_free(x);
		}
		ob_put(o, "]", 1);
		break;
	}
	case JV_KIND_OBJECT: {
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
			ob_value(o, x);
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
	ob_value(&o, rec);
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
	ob_value(&o, rec);
	jv_free(rec);
	ob_put(&o, "\n", 1);
	int rc = fwrite(o.b, 1, o.n, f) == o.n ? 0 : -1;
	if (o.cap > (1u << 24)) {	/* do not keep a huge record's buffer */
		free(o.b);
		o = (outbuf){ 0 };
	}
	return rc;
}

char *rec_canonical(jv rec, size_t *len)
{
	jv s = jv_dump_string(rec, JV_PRINT_SORTED);
	size_t n = (size_t)jv_string_length_bytes(jv_copy(s));
	char *r = malloc(n + 1);
	if (r)
		memcpy(r, jv_string_value(s), n + 1);
	jv_free(s);
	if (len)
		*len = n;
	return r;
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
