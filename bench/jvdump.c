/* jvdump — a plain jv serializer against libjq's jv_dump_string, on records
 * read from a JSONL file (e.g. ls-extract's output). It checks that both
 * write the same bytes and times them: evidence for a faster rec_write.
 *   cc -O2 -o jvdump bench/jvdump.c -ljq && ./jvdump functions.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jv.h>
typedef struct { char *b; size_t n, cap; } sb;
static inline void put(sb *o, const char *s, size_t n) { if (o->n + n > o->cap) { o->cap = (o->n + n) * 2; o->b = realloc(o->b, o->cap); } memcpy(o->b + o->n, s, n); o->n += n; }
static const char hexd[] = "0123456789abcdef";
static void str(sb *o, const char *s, size_t n) {
	put(o, "\"", 1);
	size_t i = 0, st = 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
		put(o, s + st, i - st); st = i + 1;
		char e[6] = {'\\', 0};
		switch (c) { case '"': e[1]='"'; put(o,e,2); break; case '\\': e[1]='\\'; put(o,e,2); break;
		case '\n': e[1]='n'; put(o,e,2); break; case '\t': e[1]='t'; put(o,e,2); break; case '\r': e[1]='r'; put(o,e,2); break;
		case '\b': e[1]='b'; put(o,e,2); break; case '\f': e[1]='f'; put(o,e,2); break;
		default: e[1]='u'; e[2]='0'; e[3]='0'; e[4]=hexd[c>>4]; e[5]=hexd[c&15]; put(o,e,6); }
	}
	put(o, s + st, i - st); put(o, "\"", 1);
}
static void dump(sb *o, jv v) {
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL: put(o, "null", 4); break;
	case JV_KIND_TRUE: put(o, "true", 4); break;
	case JV_KIND_FALSE: put(o, "false", 5); break;
	case JV_KIND_NUMBER: { double d = jv_number_value(v); char b[32]; int k = d == (long long)d ? snprintf(b, 32, "%lld", (long long)d) : snprintf(b, 32, "%.17g", d); put(o, b, k); break; }
	case JV_KIND_STRING: str(o, jv_string_value(v), jv_string_length_bytes(jv_copy(v))); break;
	case JV_KIND_ARRAY: { put(o, "[", 1); int n = jv_array_length(jv_copy(v)); for (int i = 0; i < n; i++) { if (i) put(o, ",", 1); jv x = jv_array_get(jv_copy(v), i); dump(o, x); jv_free(x);} put(o, "]", 1); break; }
	case JV_KIND_OBJECT: { put(o, "{", 1); int f = 1; for (int it = jv_object_iter(v); jv_object_iter_valid(v, it); it = jv_object_iter_next(v, it)) { if (!f) put(o, ",", 1); f = 0; jv k = jv_object_iter_key(v, it); str(o, jv_string_value(k), jv_string_length_bytes(jv_copy(k))); jv_free(k); put(o, ":", 1); jv x = jv_object_iter_value(v, it); dump(o, x); jv_free(x);} put(o, "}", 1); break; }
	default: break;
	}
}
static double now(void){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec*1e-9;}
int main(int c, char **v) {
	FILE *f = fopen(v[1], "r"); char *line = NULL; size_t cap = 0; ssize_t n; int cnt = 0;
	jv *recs = malloc(sizeof(jv) * 60000);
	while ((n = getline(&line, &cap, f)) > 0 && cnt < 60000) recs[cnt++] = jv_parse_sized(line, n);
	double t0 = now(); size_t b1 = 0, b2 = 0; int diff = 0;
	for (int i = 0; i < cnt; i++) { jv s = jv_dump_string(jv_copy(recs[i]), 0); b1 += jv_string_length_bytes(jv_copy(s)); jv_free(s); }
	double t1 = now(); sb o = {0};
	for (int i = 0; i < cnt; i++) { o.n = 0; dump(&o, recs[i]); b2 += o.n; }
	double t2 = now();
	for (int i = 0; i < cnt; i++) { o.n = 0; dump(&o, recs[i]); jv s = jv_dump_string(jv_copy(recs[i]), 0); if ((size_t)jv_string_length_bytes(jv_copy(s)) != o.n || memcmp(jv_string_value(s), o.b, o.n)) diff++; jv_free(s); }
	printf("jv_dump_string %.2fs (%zu bytes), fast %.2fs (%zu bytes), %d records differ of %d\n", t1-t0, b1, t2-t1, b2, diff, cnt);
}
