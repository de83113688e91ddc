/* safetensors.c — the safetensors reader and writer (see safetensors.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jv.h>
#include "base/utf8.h"
#include "model/safetensors.h"

static const struct { const char *name; size_t size; } dtypes[ST_NDTYPES] = {
	[ST_BOOL] = { "BOOL", 1 }, [ST_U8] = { "U8", 1 }, [ST_I8] = { "I8", 1 },
	[ST_F8_E5M2] = { "F8_E5M2", 1 }, [ST_F8_E4M3] = { "F8_E4M3", 1 },
	[ST_I16] = { "I16", 2 }, [ST_U16] = { "U16", 2 }, [ST_F16] = { "F16", 2 },
	[ST_BF16] = { "BF16", 2 }, [ST_I32] = { "I32", 4 }, [ST_U32] = { "U32", 4 },
	[ST_F32] = { "F32", 4 }, [ST_F64] = { "F64", 8 }, [ST_I64] = { "I64", 8 },
	[ST_U64] = { "U64", 8 },
};

const char *st_dtype_name(st_dtype d) { return d < ST_NDTYPES ? dtypes[d].name : "?"; }
size_t st_dtype_size(st_dtype d) { return d < ST_NDTYPES ? dtypes[d].size : 0; }

int st_dtype_from_name(const char *s)
{
	for (int i = 0; i < ST_NDTYPES; i++)
		if (!strcmp(s, dtypes[i].name))
			return i;
	return -1;
}

static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* A JSON number that is a non-negative integer we can hold exactly. */
static int get_u64(jv v, uint64_t *out)
{
	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return 0;
	double d = jv_number_value(v);
	if (!(d >= 0 && d <= 9007199254740992.0) || d != floor(d))
		return 0;
	*out = (uint64_t)d;
	return 1;
}

static int cmp_offset(const void *a, const void *b)
{
	const st_tensor *x = a, *y = b;
	const char *px = x->data, *py = y->data;
	if (px != py)
		return px < py ? -1 : 1;
	/* equal starts: empty tensors first, so a zero-size tensor can sit anywhere */
	return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

void st_close(st_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->ntensors; i++)
		free(f->tensors[i].name);
	for (int i = 0; i < f->nmeta; i++) {
		free(f->meta_keys[i]);
		free(f->meta_vals[i]);
	}
	free(f->tensors);
	free(f->meta_keys);
	free(f->meta_vals);
	if (f->owns_map && f->map)
		munmap(f->map, f->mapsz);
	free(f);
}

/* One header entry into t; returns 0 or -1 with err set. */
static int parse_entry(const char *name, jv v, st_tensor *t, const unsigned char *buf,
		       uint64_t bufsz, uint64_t *begin_out, char *err, size_t errsz)
{
	int rc = -1;
	jv dt = jv_invalid(), shape = jv_invalid(), offs = jv_invalid();
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		seterr(err, errsz, "tensor '%s': entry is not an object", name);
		goto out;
	}
	dt = jv_object_get(jv_copy(v), jv_string("dtype"));
	shape = jv_object_get(jv_copy(v), jv_string("shape"));
	offs = jv_object_get(jv_copy(v), jv_string("data_offsets"));
	if (jv_get_kind(dt) != JV_KIND_STRING) {
		seterr(err, errsz, "tensor '%s': missing dtype", name);
		goto out;
	}
	int d = st_dtype_from_name(jv_string_value(dt));
	if (d < 0) {
		seterr(err, errsz, "tensor '%s': unknown dtype '%s'", name, jv_string_value(dt));
		goto out;
	}
	t->dtype = d;
	if (jv_get_kind(shape) != JV_KIND_ARRAY) {
		seterr(err, errsz, "tensor '%s': missing shape", name);
		goto out;
	}
	int nd = jv_array_length(jv_copy(shape));
	if (nd > ST_MAX_DIMS) {
		seterr(err, errsz, "tensor '%s': %d dimensions (at most %d)", name, nd, ST_MAX_DIMS);
		goto out;
	}
	t->ndim = nd;
	/* numel * size must not overflow: cap each product at the buffer size */
	uint64_t numel = 1;
	int overflow = 0;
	for (int i = 0; i < nd; i++) {
		uint64_t x;
		if (!get_u64(jv_array_get(jv_copy(shape), i), &x)) {
			seterr(err, errsz, "tensor '%s': bad shape", name);
			goto out;
		}
		t->shape[i] = (int64_t)x;
		if (x && numel > UINT64_MAX / x)
			overflow = 1;
		else
			numel *= x;
	}
	if (jv_get_kind(offs) != JV_KIND_ARRAY || jv_array_length(jv_copy(offs)) != 2) {
		seterr(err, errsz, "tensor '%s': data_offsets must be [begin, end]", name);
		goto out;
	}
	uint64_t b, e;
	if (!get_u64(jv_array_get(jv_copy(offs), 0), &b) ||
	    !get_u64(jv_array_get(jv_copy(offs), 1), &e)) {
		seterr(err, errsz, "tensor '%s': bad data_offsets", name);
		goto out;
	}
	if (e < b) {
		seterr(err, errsz, "tensor '%s': data_offsets end before begin", name);
		goto out;
	}
	if (e > bufsz) {
		seterr(err, errsz, "tensor '%s': data_offsets past the end of the buffer "
		       "(%llu > %llu; truncated file?)", name, (unsigned long long)e,
		       (unsigned long long)bufsz);
		goto out;
	}
	size_t esz = dtypes[d].size;
	if (overflow || (numel && numel > UINT64_MAX / esz) || numel * esz != e - b) {
		seterr(err, errsz, "tensor '%s': %llu bytes for shape and dtype %s, "
		       "data_offsets span %llu", name, overflow ? 0ull :
		       (unsigned long long)(numel * esz), dtypes[d].name,
		       (unsigned long long)(e - b));
		goto out;
	}
	t->nbytes = e - b;
	t->data = buf + b;
	*begin_out = b;
	rc = 0;
out:
	jv_free(dt);
	jv_free(shape);
	jv_free(offs);
	jv_free(v);
	return rc;
}

static int parse_meta(st_file *f, jv m, char *err, size_t errsz)
{
	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		seterr(err, errsz, "__metadata__ is not an object");
		return -1;
	}
	int n = jv_object_length(jv_copy(m));
	f->meta_keys = calloc(n ? n : 1, sizeof *f->meta_keys);
	f->meta_vals = calloc(n ? n : 1, sizeof *f->meta_vals);
	int rc = 0;
	jv_object_foreach(m, k, v) {
		if (rc == 0 && jv_get_kind(v) != JV_KIND_STRING) {
			seterr(err, errsz, "__metadata__ value of '%s' is not a string", jv_string_value(k));
			rc = -1;
		} else if (rc == 0) {
			f->meta_keys[f->nmeta] = strdup(jv_string_value(k));
			f->meta_vals[f->nmeta] = strdup(jv_string_value(v));
			f->nmeta++;
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(m);
	return rc;
}

st_file *st_parse(const void *vbuf, size_t len, char *err, size_t errsz)
{
	const unsigned char *p = vbuf;
	if (len < 8) {
		seterr(err, errsz, "file too short for a header length (%zu bytes)", len);
		return NULL;
	}
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | p[i];
	if (n > ST_MAX_HEADER) {
		seterr(err, errsz, "header length %llu is too large", (unsigned long long)n);
		return NULL;
	}
	if (n > len - 8) {
		seterr(err, errsz, "header length %llu past the end of the file (%zu bytes; truncated?)",
		       (unsigned long long)n, len);
		return NULL;
	}
	if (n < 2 || p[8] != '{') {
		seterr(err, errsz, "header does not start with '{'");
		return NULL;
	}
	if (!utf8_valid((const char *)p + 8, n) || memchr(p + 8, 0, n)) {
		seterr(err, errsz, "header is not valid UTF-8 text");
		return NULL;
	}
	jv h = jv_parse_sized((const char *)p + 8, (int)n);
	if (!jv_is_valid(h)) {
		jv msg = jv_invalid_get_msg(h);
		seterr(err, errsz, "header is not valid JSON: %s",
		       jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "?");
		jv_free(msg);
		return NULL;
	}
	if (jv_get_kind(h) != JV_KIND_OBJECT) {
		jv_free(h);
		seterr(err, errsz, "header is not a JSON object");
		return NULL;
	}
	const unsigned char *buf = p + 8 + n;
	uint64_t bufsz = len - 8 - n;
	st_file *f = calloc(1, sizeof *f);
	int cap = jv_object_length(jv_copy(h));
	f->tensors = calloc(cap ? cap : 1, sizeof *f->tensors);
	int rc = 0;
	jv_object_foreach(h, k, v) {
		const char *name = jv_string_value(k);
		if (rc) {
			jv_free(v);
		} else if (!strcmp(name, "__metadata__")) {
			rc = parse_meta(f, v, err, errsz);
		} else {
			st_tensor *t = &f->tensors[f->ntensors];
			uint64_t b;
			rc = parse_entry(name, v, t, buf, bufsz, &b, err, errsz);
			if (rc == 0)
				t->name = strdup(name), f->ntensors++;
		}
		jv_free(k);
	}
	jv_free(h);
	if (rc) {
		st_close(f);
		return NULL;
	}
	/* contiguous, non-overlapping, covering the whole buffer */
	qsort(f->tensors, f->ntensors, sizeof *f->tensors, cmp_offset);
	const unsigned char *at = buf;
	for (int i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		if ((const unsigned char *)t->data != at) {
			seterr(err, errsz, "tensor '%s': data_offsets %s the previous tensor's end",
			       t->name, (const unsigned char *)t->data < at ? "overlap" : "leave a gap after");
			st_close(f);
			return NULL;
		}
		at += t->nbytes;
	}
	if (at != buf + bufsz) {
		seterr(err, errsz, "%llu bytes after the last tensor (the buffer must be covered exactly)",
		       (unsigned long long)(buf + bufsz - at));
		st_close(f);
		return NULL;
	}
	return f;
}

st_file *st_open(const char *path, char *err, size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errsz, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errsz, "'%s' is not a regular file", path);
		close(fd);
		return NULL;
	}
	size_t sz = st.st_size;
	void *map = NULL;
	if (sz) {
		map = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			seterr(err, errsz, "cannot map '%s': %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
	}
	close(fd);
	char e[400];
	st_file *f = st_parse(map ? map : "", sz, e, sizeof e);
	if (!f) {
		seterr(err, errsz, "%s: %s", path, e);
		if (map)
			munmap(map, sz);
		return NULL;
	}
	f->map = map;
	f->mapsz = sz;
	f->owns_map = 1;
	return f;
}

const st_tensor *st_find(const st_file *f, const char *name)
{
	for (int i = 0; i < f->ntensors; i++)
		if (!strcmp(f->tensors[i].name, name))
			return &f->tensors[i];
	return NULL;
}

const char *st_meta(const st_file *f, const char *key)
{
	for (int i = 0; i < f->nmeta; i++)
		if (!strcmp(f->meta_keys[i], key))
			return f->meta_vals[i];
	return NULL;
}

int64_t st_numel(const st_tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

/* ---- number formats ---------------------------------------------------- */

float st_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, 4);
	return f;
}

float st_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = h >> 10 & 0x1f, man = h & 0x3ff, u;
	if (exp == 0) {
		if (man == 0) {
			u = sign;
		} else {	/* subnormal: normalise */
			int e = -1;
			do { man <<= 1; e++; } while (!(man & 0x400));
			u = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
		}
	} else if (exp == 31) {
		u = sign | 0x7f800000 | man << 13;
	} else {
		u = sign | (exp + 127 - 15) << 23 | man << 13;
	}
	float f;
	memcpy(&f, &u, 4);
	return f;
}

uint16_t st_f32_to_bf16(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffff) > 0x7f800000)
		return (u >> 16) | 0x40;	/* quiet NaN */
	u += 0x7fff + (u >> 16 & 1);
	return u >> 16;
}

uint16_t st_f32_to_f16(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	uint32_t sign = u >> 16 & 0x8000;
	int32_t exp = (u >> 23 & 0xff) - 127 + 15;
	uint32_t man = u & 0x7fffff;
	if ((u & 0x7fffffff) > 0x7f800000)
		return sign | 0x7e00;
	if ((u & 0x7fffffff) == 0x7f800000 || exp >= 31) {
		/* overflow rounds to infinity unless it rounds down below 65520 */
		return sign | 0x7c00;
	}
	if (exp <= 0) {
		if (exp < -10)
			return sign;
		man |= 0x800000;
		uint32_t shift = 14 - exp, half = 1u << (shift - 1);
		uint32_t r = man >> shift, rem = man & ((1u << shift) - 1);
		if (rem > half || (rem == half && (r & 1)))
			r++;
		return sign | r;
	}
	uint32_t r = (uint32_t)exp << 10 | man >> 13, rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
		r++;	/* may carry into the exponent, and into infinity: both correct */
	return sign | r;
}

int st_to_f32(const st_tensor *t, float *out)
{
	size_t n = st_numel(t);
	const unsigned char *p = t->data;
	switch (t->dtype) {
	case ST_F32:
		memcpy(out, p, n * 4);
		return 0;
	case ST_F16:
	case ST_BF16:
		for (size_t i = 0; i < n; i++) {
			uint16_t h = p[2 * i] | p[2 * i + 1] << 8;
			out[i] = t->dtype == ST_F16 ? st_f16_to_f32(h) : st_bf16_to_f32(h);
		}
		return 0;
	default:
		return -1;
	}
}

/* ---- writer ------------------------------------------------------------- */

typedef struct {
	char *name;
	st_dtype dtype;
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	const float *f32;	/* converted at save time */
	const void *raw;
	size_t nbytes;
} wtensor;

struct st_writer {
	wtensor *t;
	int n, cap;
	char **mk, **mv;
	int nm;
};

st_writer *st_writer_new(void) { return calloc(1, sizeof(st_writer)); }

static int wadd(st_writer *w, const char *name, st_dtype dtype, int ndim, const int64_t *shape,
		const float *f32, const void *raw)
{
	if (ndim < 0 || ndim > ST_MAX_DIMS || dtype >= ST_NDTYPES || !strcmp(name, "__metadata__"))
		return -1;
	if (f32 && dtype != ST_F32 && dtype != ST_F16 && dtype != ST_BF16)
		return -1;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->t = realloc(w->t, w->cap * sizeof *w->t);
	}
	wtensor *t = &w->t[w->n++];
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	t->dtype = dtype;
	t->ndim = ndim;
	size_t numel = 1;
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i], numel *= shape[i];
	t->nbytes = numel * dtypes[dtype].size;
	t->f32 = f32;
	t->raw = raw;
	return 0;
}

int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int ndim, const int64_t *shape,
		  const float *data)
{
	return wadd(w, name, dtype, ndim, shape, data, NULL);
}

int st_writer_add_raw(st_writer *w, const char *name, st_dtype dtype, int ndim,
		      const int64_t *shape, const void *bytes)
{
	return wadd(w, name, dtype, ndim, shape, NULL, bytes);
}

void st_writer_meta(st_writer *w, const char *key, const char *val)
{
	w->mk = realloc(w->mk, (w->nm + 1) * sizeof *w->mk);
	w->mv = realloc(w->mv, (w->nm + 1) * sizeof *w->mv);
	w->mk[w->nm] = strdup(key);
	w->mv[w->nm] = strdup(val);
	w->nm++;
}

void st_writer_free(st_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->n; i++)
		free(w->t[i].name);
	for (int i = 0; i < w->nm; i++)
		free(w->mk[i]), free(w->mv[i]);
	free(w->t);
	free(w->mk);
	free(w->mv);
	free(w);
}

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int write_data(FILE *f, const wtensor *t)
{
	if (t->raw || t->dtype == ST_F32) {
		const void *p = t->raw ? t->raw : (const void *)t->f32;
		return fwrite(p, 1, t->nbytes, f) == t->nbytes ? 0 : -1;
	}
	size_t n = t->nbytes / 2;
	unsigned char buf[8192];
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < sizeof buf / 2 && i < n; k++, i++) {
			uint16_t h = t->dtype == ST_F16 ? st_f32_to_f16(t->f32[i]) : st_f32_to_bf16(t->f32[i]);
			buf[2 * k] = h & 0xff;
			buf[2 * k + 1] = h >> 8;
		}
		if (fwrite(buf, 2, k, f) != k)
			return -1;
	}
	return 0;
}

int st_writer_save(st_writer *w, const char *path, char *err, size_t errsz)
{
	char *hdr = NULL;
	size_t hlen = 0;
	FILE *h = open_memstream(&hdr, &hlen);
	fputc('{', h);
	if (w->nm) {
		fputs("\"__metadata__\":{", h);
		for (int i = 0; i < w->nm; i++) {
			if (i)
				fputc(',', h);
			put_json_string(h, w->mk[i]);
			fputc(':', h);
			put_json_string(h, w->mv[i]);
		}
		fputc('}', h);
	}
	size_t off = 0;
	for (int i = 0; i < w->n; i++) {
		const wtensor *t = &w->t[i];
		if (i || w->nm)
			fputc(',', h);
		put_json_string(h, t->name);
		fprintf(h, ":{\"dtype\":\"%s\",\"shape\":[", dtypes[t->dtype].name);
		for (int d = 0; d < t->ndim; d++)
			fprintf(h, "%s%lld", d ? "," : "", (long long)t->shape[d]);
		fprintf(h, "],\"data_offsets\":[%zu,%zu]}", off, off + t->nbytes);
		off += t->nbytes;
	}
	fputc('}', h);
	while ((ftell(h) % 8) != 0)	/* pad so the data starts 8-byte aligned */
		fputc(' ', h);
	fclose(h);

	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		seterr(err, errsz, "cannot create '%s': %s", tmp, strerror(errno));
		free(hdr);
		return -1;
	}
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (uint64_t)hlen >> (8 * i) & 0xff;
	int bad = fwrite(len8, 1, 8, f) != 8 || fwrite(hdr, 1, hlen, f) != hlen;
	free(hdr);
	for (int i = 0; i < w->n && !bad; i++)
		bad = write_data(f, &w->t[i]) < 0;
	if (fclose(f) != 0)
		bad = 1;
	if (bad || rename(tmp, path) < 0) {
		seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
